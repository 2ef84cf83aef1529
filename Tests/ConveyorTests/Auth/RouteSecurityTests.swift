import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import ConveyorSQLite
import Testing

@testable import ConveyorServer

extension AuthTests {
    /// Every route, called with every kind of bad credential: each must be refused with
    /// the right status, write nothing, and say nothing about the other tenant.
    ///
    /// The routes come from ``RouteScopes``, and the router must register exactly those:
    /// a new route fails here until it declares its scope and gets a fixture below.
    @Suite("Route security") struct RouteSecurityTests {
        static let owner = "globex"
        static let intruder = "acme"
        /// Strings only the owner's data contains; no response to the intruder may hold them.
        static let markers = ["victim-payload-marker", "victim-metadata-marker", "victim-idempotency-marker", "victim-secret-marker"]
        /// The secret of the seeded inbound source `fixture` (hmac-sha256, hex, `x-signature`).
        static let inboundSecret = "victim-inbound-secret"
        /// The concurrency key of the owner's open circuit breaker.
        static let victimCircuit = "victim-circuit"
        /// Queues are shared: changing one needs an admin or a credential of tenant
        /// `default`, so another tenant's caller is forbidden even with the scope.
        static let queueOperatorRoutes = [
            RouteKey(.patch, "/v1/queues/{name}"), RouteKey(.post, "/v1/queues/{name}/pause"),
            RouteKey(.post, "/v1/queues/{name}/resume"), RouteKey(.post, "/v1/workers"), RouteKey(.put, "/v1/job-types/{type}"),
            RouteKey(.delete, "/v1/job-types/{type}"),
        ]
        /// A remote worker's outcome names its attempt by lease token. The owner's token,
        /// sent by another tenant, is refused as not issued to that tenant (409): holding
        /// the token, the caller already knows the job, so this reveals nothing more.
        static let leaseRoutes = WorkerOutcomeRequest.Kind.allCases.map { RouteKey(.post, "/v1/jobs/{id}/\($0.rawValue)") }

        /// How to call each route. `{job}` and `{key}` are replaced by the owner's job and key.
        struct Fixture {
            var path: String
            var body: String?
        }

        static let fixtures: [RouteKey: Fixture] = [
            RouteKey(.post, "/v1/jobs"): Fixture(path: "/v1/jobs", body: #"{"type":"echo","payload":{"text":"hi"},"tenant":"globex"}"#),
            RouteKey(.get, "/v1/jobs"): Fixture(path: "/v1/jobs?tenant=globex"),
            RouteKey(.get, "/v1/jobs/{id}"): Fixture(path: "/v1/jobs/{job}"),
            RouteKey(.delete, "/v1/jobs/{id}"): Fixture(path: "/v1/jobs/{job}"),
            RouteKey(.post, "/v1/jobs/{id}/retry"): Fixture(path: "/v1/jobs/{job}/retry"),
            RouteKey(.post, "/v1/jobs/{id}/actions"): Fixture(
                path: "/v1/jobs/{job}/actions", body: #"{"type":"edit_metadata","payload":{"touched":true}}"#),
            RouteKey(.get, "/v1/config/job-options"): Fixture(path: "/v1/config/job-options"),
            // Remote workers: `{worker}` is the owner's, holding `{remotejob}` under `{lease}`.
            RouteKey(.post, "/v1/workers"): Fixture(path: "/v1/workers", body: #"{"name":"w","queues":{"remote":1}}"#),
            RouteKey(.get, "/v1/workers"): Fixture(path: "/v1/workers"),
            RouteKey(.get, "/v1/workers/{id}"): Fixture(path: "/v1/workers/{worker}"),
            RouteKey(.delete, "/v1/workers/{id}"): Fixture(path: "/v1/workers/{worker}"),
            RouteKey(.post, "/v1/workers/{id}/quiet"): Fixture(path: "/v1/workers/{worker}/quiet"),
            RouteKey(.post, "/v1/workers/{id}/claim"): Fixture(
                path: "/v1/workers/{worker}/claim", body: #"{"queue":"remote","wait_seconds":0}"#),
            RouteKey(.post, "/v1/workers/{id}/heartbeat"): Fixture(path: "/v1/workers/{worker}/heartbeat", body: #"{"jobs":["{lease}"]}"#),
            RouteKey(.post, "/v1/workers/{id}/outcomes"): Fixture(
                path: "/v1/workers/{worker}/outcomes",
                body: #"{"outcomes":[{"job_id":"{remotejob}","lease":"{lease}","outcome":"complete"}]}"#),
            RouteKey(.post, "/v1/jobs/{id}/complete"): Fixture(path: "/v1/jobs/{remotejob}/complete", body: #"{"lease":"{lease}"}"#),
            RouteKey(.post, "/v1/jobs/{id}/fail"): Fixture(
                path: "/v1/jobs/{remotejob}/fail", body: #"{"lease":"{lease}","error":{"message":"x"}}"#),
            RouteKey(.post, "/v1/jobs/{id}/snooze"): Fixture(path: "/v1/jobs/{remotejob}/snooze", body: #"{"lease":"{lease}","seconds":60}"#),
            RouteKey(.put, "/v1/job-types/{type}"): Fixture(path: "/v1/job-types/generate", body: #"{"queue":"remote"}"#),
            RouteKey(.get, "/v1/job-types"): Fixture(path: "/v1/job-types"),
            RouteKey(.delete, "/v1/job-types/{type}"): Fixture(path: "/v1/job-types/\(victimJobType)"),
            RouteKey(.post, "/v1/workflows"): Fixture(
                path: "/v1/workflows",
                body: #"{"name":"wf","tenant":"globex","steps":[{"key":"a","type":"echo","payload":{"text":"hi"}}]}"#),
            RouteKey(.get, "/v1/workflows"): Fixture(path: "/v1/workflows?tenant=globex"),
            RouteKey(.get, "/v1/workflows/{id}"): Fixture(path: "/v1/workflows/{workflow}"),
            RouteKey(.delete, "/v1/workflows/{id}"): Fixture(path: "/v1/workflows/{workflow}"),
            RouteKey(.post, "/v1/workflows/{id}/retry"): Fixture(path: "/v1/workflows/{workflow}/retry"),
            RouteKey(.get, "/v1/queues"): Fixture(path: "/v1/queues"),
            RouteKey(.get, "/v1/queues/{name}"): Fixture(path: "/v1/queues/default"),
            RouteKey(.patch, "/v1/queues/{name}"): Fixture(path: "/v1/queues/default", body: #"{"concurrency_limit":5}"#),
            RouteKey(.post, "/v1/queues/{name}/pause"): Fixture(path: "/v1/queues/default/pause"),
            RouteKey(.post, "/v1/queues/{name}/resume"): Fixture(path: "/v1/queues/default/resume"),
            RouteKey(.get, "/v1/circuits"): Fixture(path: "/v1/circuits?state=open"),
            RouteKey(.post, "/v1/circuits/{key}/reset"): Fixture(path: "/v1/circuits/\(victimCircuit)/reset"),
            RouteKey(.get, "/v1/tenants"): Fixture(path: "/v1/tenants"),
            RouteKey(.post, "/v1/tenants"): Fixture(path: "/v1/tenants", body: #"{"id":"globex","limits":{"max_payload_bytes":1}}"#),
            RouteKey(.get, "/v1/api-keys"): Fixture(path: "/v1/api-keys?tenant=globex"),
            RouteKey(.post, "/v1/api-keys"): Fixture(path: "/v1/api-keys", body: #"{"name":"x","tenant":"globex","scopes":["admin"]}"#),
            RouteKey(.patch, "/v1/api-keys/{id}"): Fixture(path: "/v1/api-keys/{key}", body: #"{"expires_at":"2000-01-01T00:00:00Z"}"#),
            RouteKey(.delete, "/v1/api-keys/{id}"): Fixture(path: "/v1/api-keys/{key}"),
            RouteKey(.get, "/v1/whoami"): Fixture(path: "/v1/whoami"),
            RouteKey(.get, "/v1/events"): Fixture(path: "/v1/events?tenant=globex&after=0"),
            // live=false: the stream replays the log and ends, so the test client can read it all.
            RouteKey(.get, "/v1/events/stream"): Fixture(path: "/v1/events/stream?after=0&live=false"),
            RouteKey(.post, "/v1/events"): Fixture(path: "/v1/events", body: #"{"topic":"entry.saved","tenant":"globex","data":{}}"#),
            RouteKey(.put, "/v1/topics/{topic}/schema"): Fixture(path: "/v1/topics/entry.saved/schema", body: #"{"type":"object"}"#),
            RouteKey(.get, "/v1/topics/{topic}/schema"): Fixture(path: "/v1/topics/entry.saved/schema"),
            RouteKey(.delete, "/v1/topics/{topic}/schema"): Fixture(path: "/v1/topics/entry.saved/schema"),
            RouteKey(.get, "/v1/subscriptions"): Fixture(path: "/v1/subscriptions"),
            RouteKey(.get, "/v1/subscriptions/{group}/dead-letters"): Fixture(path: "/v1/subscriptions/audit/dead-letters"),
            RouteKey(.post, "/v1/subscriptions/{group}/dead-letters/{id}/replay"): Fixture(
                path: "/v1/subscriptions/audit/dead-letters/{deadletter}/replay"),
            RouteKey(.post, "/v1/subscriptions/{group}/dead-letters/replay"): Fixture(path: "/v1/subscriptions/audit/dead-letters/replay"),
            RouteKey(.post, "/v1/triggers"): Fixture(path: "/v1/triggers", body: #"{"topic":"entry.*","job":{"type":"echo"},"tenant":"globex"}"#),
            RouteKey(.get, "/v1/triggers"): Fixture(path: "/v1/triggers"),
            RouteKey(.delete, "/v1/triggers/{id}"): Fixture(path: "/v1/triggers/{trigger}"),
            // Signed with the seeded source's secret only when a test adds the signature header.
            RouteKey(.post, "/v1/inbound/{source}"): Fixture(path: "/v1/inbound/fixture", body: #"{"zen":"hi"}"#),
            RouteKey(.put, "/v1/inbound-sources/{source}"): Fixture(
                path: "/v1/inbound-sources/linear", body: #"{"scheme":"hmac-sha256","secret":"s","signature_header":"x-sig"}"#),
            RouteKey(.get, "/v1/inbound-sources"): Fixture(path: "/v1/inbound-sources"),
            RouteKey(.delete, "/v1/inbound-sources/{source}"): Fixture(path: "/v1/inbound-sources/fixture"),
            RouteKey(.post, "/v1/webhooks"): Fixture(
                path: "/v1/webhooks", body: #"{"url":"https://93.184.215.14/hook","events":["*"],"tenant":"globex"}"#),
            RouteKey(.get, "/v1/webhooks"): Fixture(path: "/v1/webhooks"),
            RouteKey(.get, "/v1/webhooks/{id}"): Fixture(path: "/v1/webhooks/{webhook}"),
            RouteKey(.patch, "/v1/webhooks/{id}"): Fixture(path: "/v1/webhooks/{webhook}", body: #"{"description":"x"}"#),
            RouteKey(.delete, "/v1/webhooks/{id}"): Fixture(path: "/v1/webhooks/{webhook}"),
            RouteKey(.post, "/v1/webhooks/{id}/rotate-secret"): Fixture(path: "/v1/webhooks/{webhook}/rotate-secret"),
            RouteKey(.get, "/v1/webhooks/{id}/deliveries"): Fixture(path: "/v1/webhooks/{webhook}/deliveries"),
            RouteKey(.post, "/v1/deliveries/{id}/redeliver"): Fixture(path: "/v1/deliveries/{delivery}/redeliver"),
            RouteKey(.post, "/v1/schedules"): Fixture(
                path: "/v1/schedules", body: #"{"cron":"0 * * * *","job":{"type":"echo","payload":{"text":"hi"}},"tenant":"globex"}"#),
            RouteKey(.get, "/v1/schedules"): Fixture(path: "/v1/schedules"),
            RouteKey(.get, "/v1/schedules/{id}"): Fixture(path: "/v1/schedules/{schedule}"),
            RouteKey(.patch, "/v1/schedules/{id}"): Fixture(path: "/v1/schedules/{schedule}", body: #"{"paused":true}"#),
            RouteKey(.delete, "/v1/schedules/{id}"): Fixture(path: "/v1/schedules/{schedule}"),
            RouteKey(.post, "/v1/schedules/{id}/trigger"): Fixture(path: "/v1/schedules/{schedule}/trigger"),
            // The intruder's PUT makes a secret of its own tenant; the owner's stays untouched.
            RouteKey(.put, "/v1/secrets/{name}"): Fixture(path: "/v1/secrets/victim-secret", body: #"{"value":"intruder"}"#),
            RouteKey(.get, "/v1/secrets"): Fixture(path: "/v1/secrets"),
            RouteKey(.delete, "/v1/secrets/{name}"): Fixture(path: "/v1/secrets/victim-secret"),
            RouteKey(.get, "/v1/signing-secret"): Fixture(path: "/v1/signing-secret"),
            RouteKey(.post, "/v1/signing-secret/rotate"): Fixture(path: "/v1/signing-secret/rotate"),
            RouteKey(.get, "/healthz"): Fixture(path: "/healthz"),
            RouteKey(.get, "/readyz"): Fixture(path: "/readyz"),
            RouteKey(.get, "/metrics"): Fixture(path: "/metrics"),
            RouteKey(.get, "/openapi.json"): Fixture(path: "/openapi.json"),
        ]

        /// A harness with the owner's job and key in place.
        struct World {
            let harness: AuthHarness
            let job: Job
            let key: APIKey
            let workflow: WorkflowStatus
            /// The event bus's fixtures: a trigger, and a dead letter of group `audit`.
            let trigger: Trigger
            let deadLetter: Int64
            /// The owner's webhook endpoint, and a delivery to it.
            let webhook: String
            let delivery: String
            /// The owner's cron schedule.
            let schedule: String
            /// The owner's remote worker, and the job it holds.
            let remote: RemoteFixture

            init() async throws {
                harness = try await AuthHarness()
                job = try await harness.seedJob(
                    tenant: RouteSecurityTests.owner, payload: ["text": "victim-payload-marker"],
                    metadata: ["note": "victim-metadata-marker"], idempotencyKey: "victim-idempotency-marker")
                key = try await harness.apiKey(tenant: RouteSecurityTests.owner, scopes: [.jobsRead]).key
                workflow = try await harness.conveyor.submitWorkflow(
                    WorkflowRequest(
                        name: "victim", tenant: RouteSecurityTests.owner,
                        steps: [WorkflowStepRequest(key: "a", type: EchoJob.type, payload: ["text": "victim-payload-marker"])]))
                // The intruder's tenant is registered too, and has a job of its own.
                _ = try await harness.seedJob(tenant: RouteSecurityTests.intruder)
                (trigger, deadLetter) = try await Self.seedEventBus(harness.conveyor, tenant: RouteSecurityTests.owner)
                (webhook, delivery) = try await Self.seedWebhook(harness.conveyor, tenant: RouteSecurityTests.owner)
                schedule = try await harness.conveyor.createSchedule(
                    ScheduleRequest(
                        id: "victim-schedule", cron: "0 * * * *", job: ScheduleJob(type: EchoJob.type, payload: ["text": "hi"]),
                        tenant: RouteSecurityTests.owner)
                ).id
                _ = try await harness.store.saveInboundSource(
                    InboundSource(
                        name: "fixture", scheme: .hmacSHA256, secret: RouteSecurityTests.inboundSecret, tenant: RouteSecurityTests.owner,
                        signatureHeader: "x-signature"))
                try await openCircuit(harness.store, key: RouteSecurityTests.victimCircuit, tenant: RouteSecurityTests.owner)
                remote = try await Self.seedRemoteWorker(harness, tenant: RouteSecurityTests.owner)
                _ = try await harness.conveyor.putSecret(
                    name: "victim-secret", value: "victim-secret-marker",
                    as: Caller(credential: .development, tenant: RouteSecurityTests.owner, scopes: [.secretsManage]))
            }

            static func seedEventBus(_ conveyor: Conveyor, tenant: String) async throws -> (Trigger, Int64) {
                _ = try await conveyor.saveTopicSchema(topic: "entry.saved", schema: ["type": "object"])
                let trigger = try await conveyor.createTrigger(TriggerRequest(topic: "entry.*", job: TriggerJob(type: "echo"), tenant: tenant))
                let store = conveyor.backend.eventBus
                let event = try await conveyor.publish(PublishEventRequest(topic: "entry.saved", tenant: tenant)).event
                _ = try await store.registerGroup(GroupRegistration(name: "audit", topic: TopicFilter("*")), now: Date())
                let lease = try #require(try await store.acquireGroupLease(group: "audit", owner: "w", until: Date(), now: Date()))
                _ = try await store.addDeadLetter(lease, event: event, attempts: 1, error: "x", now: Date())
                let letter = try #require(try await store.deadLetters(group: "audit", after: nil, limit: 1).first)
                return (trigger, letter.id)
            }

            func request(_ route: RouteKey) throws -> (path: String, body: String?) {
                let fixture = try #require(RouteSecurityTests.fixtures[route], "no fixture for \(route)")
                let path = fixture.path.replacingOccurrences(of: "{job}", with: job.id)
                    .replacingOccurrences(of: "{key}", with: key.id)
                    .replacingOccurrences(of: "{workflow}", with: workflow.id)
                    .replacingOccurrences(of: "{trigger}", with: trigger.id)
                    .replacingOccurrences(of: "{deadletter}", with: String(deadLetter))
                    .replacingOccurrences(of: "{webhook}", with: webhook)
                    .replacingOccurrences(of: "{delivery}", with: delivery)
                    .replacingOccurrences(of: "{schedule}", with: schedule)
                return (remote.fill(path), fixture.body.map(remote.fill))
            }
        }

        @Test func everyRegisteredRouteDeclaresItsScope() throws {
            let harness = ServerConfiguration()
            let conveyor = Conveyor(store: try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite")), registry: JobRegistry())
            let routes = buildRoutes(
                conveyor: conveyor, configuration: harness, registry: PrometheusCollectorRegistry(), auth: .development,
                events: EventTailer(conveyor: conveyor), surface: .all)
            #expect(routes.undeclared.isEmpty, "routes without a scope: \(routes.undeclared)")
            #expect(Set(routes.registered) == Set(RouteScopes.table.keys))
            #expect(routes.registered.count == RouteScopes.entries.count, "a route is registered twice")
            #expect(Set(Self.fixtures.keys) == Set(RouteScopes.table.keys), "every route needs a fixture here")
        }

        @Test(arguments: RouteScopes.entries.map(\.route))
        func refusesEveryBadCredential(route: RouteKey) async throws {
            let world = try await World()
            let h = world.harness
            let access = try #require(RouteScopes.table[route])
            let (path, body) = try world.request(route)
            let scope: Scope? = if case .scope(let s) = access { s } else { nil }
            let everyScope = Scope.known.filter { $0 != .admin }

            let cases: [(name: String, token: String?)] = [
                ("no credential", nil),
                ("expired token", try await h.token(tenant: Self.owner, scopes: [.admin], expiresIn: -3600)),
                ("bad signature", try await h.token(tenant: Self.owner, scopes: [.admin], secret: String(repeating: "x", count: 40))),
                ("wrong audience", try await h.token(tenant: Self.owner, scopes: [.admin], audience: "another-service")),
                ("missing scope", try await h.token(tenant: Self.owner, scopes: everyScope.filter { $0 != scope })),
                ("other tenant", try await h.token(tenant: Self.intruder, scopes: everyScope)),
                ("garbage", "not-a-token"),
                ("unknown API key", APIKeySecret().text),
            ]
            try await h.run { client in
                let absentID = JobID.make()
                let missingJob = try await client.send(.get, "/v1/jobs/\(absentID)", bearer: cases[5].token)
                let missingWorkflow = try await client.send(.get, "/v1/workflows/\(absentID)", bearer: cases[5].token)
                let missingWebhook = try await client.send(.get, "/v1/webhooks/\(absentID)", bearer: cases[5].token)
                let missingDelivery = try await client.send(.post, "/v1/deliveries/\(absentID)/redeliver", bearer: cases[5].token)
                let missingSchedule = try await client.send(.get, "/v1/schedules/\(absentID)", bearer: cases[5].token)
                let missingCircuit = try await client.send(.post, "/v1/circuits/\(absentID)/reset", bearer: cases[5].token)
                let missingSecret = try await client.send(.delete, "/v1/secrets/\(absentID)", bearer: cases[5].token)
                let missingWorker = try await client.send(.get, "/v1/workers/\(absentID)", bearer: cases[5].token)
                let missing =
                    route.path.hasPrefix("/v1/workers")
                    ? missingWorker
                    : route.path.hasPrefix("/v1/secrets")
                    ? missingSecret
                    :
                    route.path.hasPrefix("/v1/circuits")
                    ? missingCircuit
                    : route.path.hasPrefix("/v1/schedules")
                    ? missingSchedule
                    : route.path.hasPrefix("/v1/workflows")
                    ? missingWorkflow
                    : route.path.hasPrefix("/v1/webhooks") ? missingWebhook : route.path.hasPrefix("/v1/deliveries") ? missingDelivery : missingJob
                for (name, token) in cases {
                    let before = try await h.snapshot()
                    let response = try await client.send(route.method, path, bearer: token, json: body)
                    let after = try await h.snapshot()
                    let context = "\(route) with \(name): \(response.status.code) \(response.text.prefix(300))"
                    let expected = Self.expectedStatus(route: route, access: access, case: name)
                    #expect(response.status == expected, "\(context)")
                    // None of these callers may change anything, whatever the status.
                    #expect(after == before, "the request wrote something: \(context)")
                    if response.status.code >= 400 {
                        #expect(response.headers[.contentType] == "application/problem+json", "\(context)")
                    }
                    // A signature route's 401 is about the signature, not a bearer credential.
                    if response.status == .unauthorized, access != .signature {
                        #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(context)")
                    }
                    if name == "missing scope", let scope, response.status == .forbidden {
                        #expect(try response.decode(Problem.self).requiredScope == scope.rawValue, "\(context)")
                    }
                    if access != .public {
                        for marker in Self.markers {
                            #expect(!response.text.contains(marker), "leaked \(marker): \(context)")
                        }
                    }
                    // Another tenant's job looks exactly like one that does not exist.
                    if name == "other tenant", response.status == .notFound {
                        let own = try response.decode(Problem.self)
                        let absent = try missing.decode(Problem.self)
                        #expect(own.type == absent.type && own.title == absent.title && own.status == absent.status)
                        #expect(
                            own.detail.replacingOccurrences(of: world.job.id, with: "ID")
                                .replacingOccurrences(of: world.workflow.id, with: "ID")
                                .replacingOccurrences(of: world.webhook, with: "ID").replacingOccurrences(of: world.delivery, with: "ID")
                                .replacingOccurrences(of: world.schedule, with: "ID")
                                .replacingOccurrences(of: Self.victimCircuit, with: "ID")
                                .replacingOccurrences(of: "victim-secret", with: "ID")
                                .replacingOccurrences(of: world.remote.worker, with: "ID")
                                == absent.detail.replacingOccurrences(of: absentID, with: "ID"))
                    }
                }
            }
        }

        /// HEAD, which the router derives from every GET, is guarded like the GET.
        @Test func headRequestsAreGuardedLikeTheirGets() async throws {
            let world = try await World()
            try await world.harness.run { client in
                for (route, access) in RouteScopes.entries where route.method == .get {
                    let (path, _) = try world.request(route)
                    let response = try await client.send(.head, path, bearer: nil)
                    #expect(response.status == (access == .public ? .ok : .unauthorized), "HEAD \(path): \(response.status)")
                }
            }
        }

        /// The status each case must get. Public probes answer everyone.
        static func expectedStatus(route: RouteKey, access: RouteAccess, case name: String) -> HTTPResponse.Status {
            switch access {
            case .public:
                return .ok
            case .signature:
                // No credential stands in for the signature, which none of these requests carries.
                return .unauthorized
            case .authenticated:
                return ["missing scope", "other tenant"].contains(name) ? .ok : .unauthorized
            case .scope(let scope):
                switch name {
                case "missing scope": return .forbidden
                case "other tenant": return otherTenantStatus(route: route, scope: scope)
                default: return .unauthorized
                }
            }
        }

        /// With every scope but admin, a caller of another tenant is refused by scope on
        /// admin routes, sees "not found" for the owner's job, is forbidden to name the
        /// owner's tenant, and reads only what is not tenant data.
        static func otherTenantStatus(route: RouteKey, scope: Scope) -> HTTPResponse.Status {
            if scope == .admin { return .forbidden }
            // Secrets are the caller's own tenant's: the owner's name is free to create, and absent to delete.
            if route == RouteKey(.put, "/v1/secrets/{name}") { return .created }
            if route == RouteKey(.delete, "/v1/secrets/{name}") { return .notFound }
            if leaseRoutes.contains(route) { return .conflict }
            if route.path.contains("{id}") || route == RouteKey(.post, "/v1/circuits/{key}/reset") { return .notFound }
            if queueOperatorRoutes.contains(route) { return .forbidden }
            // Submitting and listing workflows name the owner's tenant.
            if route.path == "/v1/workflows" { return .forbidden }
            let namesTheOwner = [
                RouteKey(.post, "/v1/jobs"), RouteKey(.get, "/v1/jobs"), RouteKey(.get, "/v1/events"), RouteKey(.post, "/v1/events"),
                RouteKey(.post, "/v1/webhooks"), RouteKey(.post, "/v1/schedules"),
            ]
            if namesTheOwner.contains(route) {
                return .forbidden
            }
            return .ok
        }

        /// The owner, with just the scope each route declares, gets past auth everywhere:
        /// proof that the fixtures reach the routes, so the refusals above mean something.
        @Test(arguments: RouteScopes.entries.map(\.route))
        func ownerWithTheDeclaredScopeGetsThrough(route: RouteKey) async throws {
            let world = try await World()
            let access = try #require(RouteScopes.table[route])
            let (path, body) = try world.request(route)
            let scopes: [Scope] = if case .scope(let s) = access { [s] } else { [] }
            let tenant = Self.queueOperatorRoutes.contains(route) ? Tenant.defaultID : Self.owner
            let token = try await world.harness.token(tenant: tenant, scopes: scopes)
            try await world.harness.run { client in
                let response: TestResponse
                if access == .signature, let body {
                    // The signature is the credential: the seeded source's HMAC of the body.
                    let signature = SpecHMAC.hex(SpecHMAC.hmacSHA256(key: Array(Self.inboundSecret.utf8), message: Array(body.utf8)))
                    response = try await client.post(path, body: body, headers: ["x-signature": signature])
                } else {
                    response = try await client.send(route.method, path, bearer: token, json: body)
                }
                // 409: the seeded job is queued, which retry refuses; it was found all the same.
                #expect(
                    response.status.code < 300 || response.status == .conflict,
                    "\(route): \(response.status.code) \(response.text.prefix(300))")
            }
        }
    }
}

