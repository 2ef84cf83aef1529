import ConveyorCore
import Hummingbird

/// What a route requires of its caller.
enum RouteAccess: Hashable, Sendable, CustomStringConvertible {
    /// No credential: the health and metrics probes and the OpenAPI document.
    case `public`
    /// No credential: the request's signature, checked by the handler against the
    /// inbound source's secret, is its authentication (`POST /v1/inbound/{source}`).
    case signature
    /// Any valid credential, whatever its scopes.
    case authenticated
    /// A credential carrying this scope (or `admin`).
    case scope(Scope)

    var description: String {
        switch self {
        case .public: "public"
        case .signature: "signature"
        case .authenticated: "any credential"
        case .scope(let scope): scope.rawValue
        }
    }
}

/// One method on one path, as registered with the router.
struct RouteKey: Hashable, Sendable, CustomStringConvertible {
    var method: HTTPRequest.Method
    var path: String

    init(_ method: HTTPRequest.Method, _ path: String) {
        self.method = method
        self.path = path
    }

    var description: String { "\(method.rawValue) \(path)" }
}

/// The one place every route declares what it needs. ``RouteTable`` looks each route up
/// here as it registers it; a route missing from this table is refused for everyone,
/// and the security test (which walks this table) fails until it is added.
///
/// Later routes slot in with their scopes: workflows (`workflows:read`/`write`), publishing
/// events (`events:publish`), webhooks, schedules and queue management.
enum RouteScopes {
    static let entries: [(route: RouteKey, access: RouteAccess)] = [
        // Jobs
        (RouteKey(.post, "/v1/jobs"), .scope(.jobsWrite)),
        (RouteKey(.get, "/v1/jobs"), .scope(.jobsRead)),
        (RouteKey(.get, "/v1/jobs/{id}"), .scope(.jobsRead)),
        (RouteKey(.delete, "/v1/jobs/{id}"), .scope(.jobsWrite)),
        (RouteKey(.post, "/v1/jobs/{id}/retry"), .scope(.jobsWrite)),
        (RouteKey(.post, "/v1/jobs/{id}/actions"), .scope(.jobsWrite)),
        (RouteKey(.get, "/v1/config/job-options"), .scope(.jobsRead)),
        // Remote workers (docs/workers.md). Only a queue operator registers one (checked in
        // the facade): workers run every tenant's jobs of their queues, as in-process pools do.
        (RouteKey(.post, "/v1/workers"), .scope(.worker)),
        (RouteKey(.get, "/v1/workers"), .scope(.jobsRead)),
        (RouteKey(.get, "/v1/workers/{id}"), .scope(.jobsRead)),
        (RouteKey(.delete, "/v1/workers/{id}"), .scope(.worker)),
        (RouteKey(.post, "/v1/workers/{id}/quiet"), .scope(.queuesManage)),
        (RouteKey(.post, "/v1/workers/{id}/claim"), .scope(.worker)),
        (RouteKey(.post, "/v1/workers/{id}/heartbeat"), .scope(.worker)),
        (RouteKey(.post, "/v1/workers/{id}/outcomes"), .scope(.worker)),
        (RouteKey(.post, "/v1/jobs/{id}/complete"), .scope(.worker)),
        (RouteKey(.post, "/v1/jobs/{id}/fail"), .scope(.worker)),
        (RouteKey(.post, "/v1/jobs/{id}/snooze"), .scope(.worker)),
        // Job types declared for remote workers: shared by every tenant, so changing one
        // also needs a queue operator (checked in the facade).
        (RouteKey(.put, "/v1/job-types/{type}"), .scope(.queuesManage)),
        (RouteKey(.get, "/v1/job-types"), .scope(.jobsRead)),
        (RouteKey(.delete, "/v1/job-types/{type}"), .scope(.queuesManage)),
        // Workflows; tenant-isolated like jobs.
        (RouteKey(.post, "/v1/workflows"), .scope(.workflowsWrite)),
        (RouteKey(.get, "/v1/workflows"), .scope(.workflowsRead)),
        (RouteKey(.get, "/v1/workflows/{id}"), .scope(.workflowsRead)),
        (RouteKey(.delete, "/v1/workflows/{id}"), .scope(.workflowsWrite)),
        (RouteKey(.post, "/v1/workflows/{id}/retry"), .scope(.workflowsWrite)),
        // Queues are shared by every tenant, so their counts are for operators.
        (RouteKey(.get, "/v1/queues"), .scope(.queuesManage)),
        // Changing a queue also needs an admin or a credential of tenant `default`
        // (checked in the facade: Conveyor.isQueueOperator). Circuit breakers are
        // tenant-isolated: a non-admin sees and resets only its tenant's.
        (RouteKey(.get, "/v1/queues/{name}"), .scope(.queuesManage)),
        (RouteKey(.patch, "/v1/queues/{name}"), .scope(.queuesManage)),
        (RouteKey(.post, "/v1/queues/{name}/pause"), .scope(.queuesManage)),
        (RouteKey(.post, "/v1/queues/{name}/resume"), .scope(.queuesManage)),
        (RouteKey(.get, "/v1/circuits"), .scope(.queuesManage)),
        (RouteKey(.post, "/v1/circuits/{key}/reset"), .scope(.queuesManage)),
        // The event log; tenant-isolated like jobs.
        (RouteKey(.get, "/v1/events"), .scope(.eventsRead)),
        (RouteKey(.get, "/v1/events/stream"), .scope(.eventsRead)),
        // The event bus. Publishing goes to the caller's tenant, like enqueueing. Topic
        // schemas are shared by every tenant, so only an admin sets them; a publisher may
        // read the schema it must meet. Consumer groups, dead letters and triggers are the
        // operator's plumbing across tenants: admin.
        (RouteKey(.post, "/v1/events"), .scope(.eventsPublish)),
        (RouteKey(.put, "/v1/topics/{topic}/schema"), .scope(.admin)),
        (RouteKey(.get, "/v1/topics/{topic}/schema"), .scope(.eventsPublish)),
        (RouteKey(.delete, "/v1/topics/{topic}/schema"), .scope(.admin)),
        (RouteKey(.get, "/v1/subscriptions"), .scope(.admin)),
        (RouteKey(.get, "/v1/subscriptions/{group}/dead-letters"), .scope(.admin)),
        (RouteKey(.post, "/v1/subscriptions/{group}/dead-letters/{id}/replay"), .scope(.admin)),
        (RouteKey(.post, "/v1/subscriptions/{group}/dead-letters/replay"), .scope(.admin)),
        (RouteKey(.post, "/v1/triggers"), .scope(.admin)),
        (RouteKey(.get, "/v1/triggers"), .scope(.admin)),
        (RouteKey(.delete, "/v1/triggers/{id}"), .scope(.admin)),
        // Inbound webhooks. Senders such as GitHub carry no Conveyor credential: the
        // signature over the body is the authentication. Sources hold secrets: admin.
        (RouteKey(.post, "/v1/inbound/{source}"), .signature),
        (RouteKey(.put, "/v1/inbound-sources/{source}"), .scope(.admin)),
        (RouteKey(.get, "/v1/inbound-sources"), .scope(.admin)),
        (RouteKey(.delete, "/v1/inbound-sources/{source}"), .scope(.admin)),
        // Outbound webhooks; tenant-isolated like jobs (an endpoint gets its tenant's events).
        (RouteKey(.post, "/v1/webhooks"), .scope(.webhooksManage)),
        (RouteKey(.get, "/v1/webhooks"), .scope(.webhooksManage)),
        (RouteKey(.get, "/v1/webhooks/{id}"), .scope(.webhooksManage)),
        (RouteKey(.patch, "/v1/webhooks/{id}"), .scope(.webhooksManage)),
        (RouteKey(.delete, "/v1/webhooks/{id}"), .scope(.webhooksManage)),
        (RouteKey(.post, "/v1/webhooks/{id}/rotate-secret"), .scope(.webhooksManage)),
        (RouteKey(.get, "/v1/webhooks/{id}/deliveries"), .scope(.webhooksManage)),
        (RouteKey(.post, "/v1/deliveries/{id}/redeliver"), .scope(.webhooksManage)),
        // Cron schedules; tenant-isolated like jobs (a schedule fires into its tenant).
        (RouteKey(.post, "/v1/schedules"), .scope(.schedulesManage)),
        (RouteKey(.get, "/v1/schedules"), .scope(.schedulesManage)),
        (RouteKey(.get, "/v1/schedules/{id}"), .scope(.schedulesManage)),
        (RouteKey(.patch, "/v1/schedules/{id}"), .scope(.schedulesManage)),
        (RouteKey(.delete, "/v1/schedules/{id}"), .scope(.schedulesManage)),
        (RouteKey(.post, "/v1/schedules/{id}/trigger"), .scope(.schedulesManage)),
        // Named secrets and the request-signing secret of the caller's tenant. Values are
        // write-only; the signing secret is shown because receivers need it to verify.
        (RouteKey(.put, "/v1/secrets/{name}"), .scope(.secretsManage)),
        (RouteKey(.get, "/v1/secrets"), .scope(.secretsManage)),
        (RouteKey(.delete, "/v1/secrets/{name}"), .scope(.secretsManage)),
        (RouteKey(.get, "/v1/signing-secret"), .scope(.secretsManage)),
        (RouteKey(.post, "/v1/signing-secret/rotate"), .scope(.secretsManage)),
        // Tenants and credentials
        (RouteKey(.get, "/v1/tenants"), .scope(.admin)),
        (RouteKey(.post, "/v1/tenants"), .scope(.admin)),
        (RouteKey(.get, "/v1/api-keys"), .scope(.admin)),
        (RouteKey(.post, "/v1/api-keys"), .scope(.admin)),
        (RouteKey(.patch, "/v1/api-keys/{id}"), .scope(.admin)),
        (RouteKey(.delete, "/v1/api-keys/{id}"), .scope(.admin)),
        (RouteKey(.get, "/v1/whoami"), .authenticated),
        // Probes: on the internal port when one is configured.
        (RouteKey(.get, "/healthz"), .public),
        (RouteKey(.get, "/readyz"), .public),
        (RouteKey(.get, "/metrics"), .public),
        // The API's contract (openapi/conveyor.json): no secret, and read before a credential is.
        (RouteKey(.get, "/openapi.json"), .public),
    ]

    static let table: [RouteKey: RouteAccess] = Dictionary(uniqueKeysWithValues: entries.map { ($0.route, $0.access) })

    static func access(_ method: HTTPRequest.Method, _ path: String) -> RouteAccess? {
        table[RouteKey(method, path)]
    }
}
