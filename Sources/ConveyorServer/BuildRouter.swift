import ConveyorCore
import Hummingbird
import Prometheus

/// Builds the router of the Conveyor HTTP API: the `/v1` endpoints and, unless
/// ``ServerConfiguration/internalPort`` moves them, `/healthz`, `/readyz` and `/metrics`.
///
/// Every route declares the scope it needs in one table and is authorized before its
/// handler runs (see docs/security.md). Every error response is an RFC 9457
/// `application/problem+json` document. Request bodies larger than
/// ``ServerConfiguration/maxBodyBytes`` are refused with 413.
///
/// - Parameters:
///   - conveyor: The facade every handler calls; its credential store holds tenants and API keys.
///   - configuration: The body limit, the configured queue names, the internal port.
///   - registry: Exported by `/metrics`; the queue-depth gauge is refreshed into it on each scrape.
///   - auth: Dev mode (every request is admin of tenant `default`) or enforced credentials.
///   - events: The process's event tailer, which feeds `GET /v1/events/stream`. It must
///     run (it is a `Service`) for streams to receive live events; ``buildApplication``
///     runs one for you.
public func buildRouter(
    conveyor: Conveyor, configuration: ServerConfiguration, registry: PrometheusCollectorRegistry,
    auth: AuthConfiguration = .development, events: EventTailer
) -> Router<ConveyorRequestContext> {
    buildRoutes(
        conveyor: conveyor, configuration: configuration, registry: registry, auth: auth, events: events,
        surface: configuration.internalPort == nil ? .all : .api
    ).router
}

/// The router of the internal port: `/healthz`, `/readyz` and `/metrics`, unauthenticated.
public func buildInternalRouter(
    conveyor: Conveyor, configuration: ServerConfiguration, registry: PrometheusCollectorRegistry
) -> Router<ConveyorRequestContext> {
    buildRoutes(
        conveyor: conveyor, configuration: configuration, registry: registry, auth: .development,
        events: EventTailer(conveyor: conveyor), surface: .probes
    ).router
}

/// Which routes a router serves.
enum RouteSurface {
    /// The API and the probes, on one port.
    case all
    /// The API alone; the probes are on the internal port.
    case api
    /// The probes alone, for the internal port.
    case probes
}

/// The routes, with the table that registered them, so tests can see every route.
func buildRoutes(
    conveyor: Conveyor, configuration: ServerConfiguration, registry: PrometheusCollectorRegistry,
    auth: AuthConfiguration, events: EventTailer, surface: RouteSurface
) -> RouteTable {
    let router = Router(context: ConveyorRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Middleware applies only to routes added after it, so it goes first. The body limit
    // is outermost so the problem middleware sees it when it reports a 413.
    router.add(middleware: BodyLimitMiddleware(maxBodyBytes: configuration.maxBodyBytes))
    router.add(middleware: ProblemMiddleware(conveyor: conveyor))
    // No middleware logs request headers. One that does must redact Authorization
    // (LogRequestsMiddleware's `redactHeaders: [.authorization]`): keys and tokens are
    // never to reach a log.

    let authenticator = Authenticator(
        configuration: auth, credentials: conveyor.credentials, clock: conveyor.clock, logger: conveyor.logger)
    var routes = RouteTable(router: router, authenticator: authenticator)
    if surface != .probes {
        EnqueueRoute(conveyor: conveyor).register(in: &routes)
        JobRoutes(conveyor: conveyor).register(in: &routes)
        JobActionRoute(conveyor: conveyor).register(in: &routes)
        JobOutcomeRoutes(conveyor: conveyor).register(in: &routes)
        JobTypeRoutes(conveyor: conveyor).register(in: &routes)
        WorkerRoutes(conveyor: conveyor).register(in: &routes)
        WorkflowRoutes(conveyor: conveyor).register(in: &routes)
        QueueRoutes(conveyor: conveyor, configuredQueues: configuration.queues).register(in: &routes)
        CircuitRoutes(conveyor: conveyor).register(in: &routes)
        ConfigRoutes(conveyor: conveyor, configuredQueues: configuration.queues).register(in: &routes)
        TenantRoutes(conveyor: conveyor).register(in: &routes)
        APIKeyRoutes(conveyor: conveyor).register(in: &routes)
        WhoAmIRoute().register(in: &routes)
        OpenAPIRoute().register(in: &routes)
        EventRoutes(conveyor: conveyor).register(in: &routes)
        PublishEventRoute(conveyor: conveyor).register(in: &routes)
        TopicSchemaRoutes(conveyor: conveyor).register(in: &routes)
        SubscriptionRoutes(conveyor: conveyor).register(in: &routes)
        TriggerRoutes(conveyor: conveyor).register(in: &routes)
        WebhookRoutes(conveyor: conveyor, settings: configuration.webhooks).register(in: &routes)
        ScheduleRoutes(conveyor: conveyor).register(in: &routes)
        SecretRoutes(conveyor: conveyor).register(in: &routes)
        InboundRoutes(conveyor: conveyor, configured: configuration.inboundSources).register(in: &routes)
        EventStreamRoute(
            conveyor: conveyor, tailer: events, keepAlive: configuration.eventStreamKeepAlive,
            bufferSize: configuration.eventStreamBuffer, slots: EventStreamSlots(limits: configuration.eventStreams)
        ).register(in: &routes)
    }
    if surface != .api {
        HealthRoutes(conveyor: conveyor).register(in: &routes)
        MetricsRoute(conveyor: conveyor, configuredQueues: configuration.queues, registry: registry).register(in: &routes)
    }
    routes.addMethodNotAllowedResponders()
    return routes
}
