import ConveyorCore
import ConveyorHTTPJob
import ConveyorServer
import ConveyorWebhooks
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import ServiceLifecycle
import Testing

/// Secrets in `http` jobs: named secrets and inline credentials reach the receiver, the
/// request is signed, and no surface that reads jobs back shows a value. Both stores.
@Suite("HTTP job secrets and signing") struct HTTPJobSecretsTests {
    static let client = OutboundHTTPClient(policy: OutboundTargetPolicy(allowLoopback: true))
    static let named = "named-secret-value-7f3a"
    static let inline = "inline-key-value-91c2"

    /// A conveyor with the `http` job on a fresh store.
    static func conveyor(_ kind: StoreKind) async throws -> Conveyor {
        var registry = JobRegistry()
        registry.register(HTTPJob(client: client, requestTimeout: .seconds(10)))
        var logger = Logger(label: "test.http-secrets")
        logger.logLevel = .critical
        return Conveyor(store: try await kind.make(), registry: registry, logger: logger)
    }

    /// The API and a running engine over `conveyor`, on a live port.
    static func live(_ conveyor: Conveyor, _ test: @Sendable @escaping (any TestClientProtocol, Int) async throws -> Void) async throws {
        var logger = Logger(label: "test.http-secrets")
        logger.logLevel = .critical
        let engine = ConveyorEngine(conveyor: conveyor, queues: [QueueWorkerConfiguration(queue: "default", concurrency: 4)])
        let app = buildApplication(
            conveyor: conveyor, configuration: ServerConfiguration(), registry: PrometheusCollectorRegistry(), services: [engine],
            logger: logger)
        try await app.test(.live) { client in try await test(client, try #require(client.port)) }
    }

    static func expectNoValues(_ text: String, _ surface: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains(named), "\(surface) shows the named secret's value", sourceLocation: sourceLocation)
        #expect(!text.contains(inline), "\(surface) shows the inline header's value", sourceLocation: sourceLocation)
    }

    static func wait(_ conveyor: Conveyor, _ id: String, _ state: JobState) async throws -> Job {
        try await waitUntil("job \(id) \(state)") { try await conveyor.job(id: id).state == state }
        return try await conveyor.job(id: id)
    }

    @Test(arguments: StoreKind.allCases)
    func receiverGetsTheValuesAndASignatureWhileEveryReadShowsRedacted(kind: StoreKind) async throws {
        let conveyor = try await Self.conveyor(kind)
        try await LoopbackReceiver.with({ _ in .text(200, "ok") }) { receiver in
            try await Self.live(conveyor) { client, port in
                // The secret: created, replaced, never echoed.
                let created = try await client.send(.put, "/v1/secrets/api-token", json: #"{"value":"first-value"}"#)
                #expect(created.status == .created)
                let replaced = try await client.send(.put, "/v1/secrets/api-token", json: #"{"value":"\#(Self.named)"}"#)
                #expect(replaced.status == .ok)
                #expect(try replaced.decode(SecretInfo.self).name == "api-token")
                let listed = try await client.send(.get, "/v1/secrets")
                #expect(try listed.decode(SecretList.self).secrets.map(\.name) == ["api-token"])
                for answer in [created, replaced, listed] {
                    Self.expectNoValues(answer.text, "a secrets answer")
                    #expect(!answer.text.contains("first-value"))
                }
                let signing = try await client.send(.get, "/v1/signing-secret").decode(SigningSecret.self)

                // A webhook endpoint for the job's events, to read a delivery body.
                let settings = WebhookHarness.loopbackAllowed
                _ = try await conveyor.createWebhook(
                    WebhookEndpointRequest(url: receiver.url("/webhook"), events: ["job.*"]), settings: settings)

                let enqueued = try await client.send(
                    .post, "/v1/jobs",
                    json: """
                        {"type":"http","payload":{"url":"\(receiver.url("/hook"))","body":{"n":1},
                         "headers":{"authorization":{"secret":"api-token"},"X-Api-Key":"\(Self.inline)","x-trace":"plain"}}}
                        """)
                #expect(enqueued.status == .created, "\(enqueued.text)")
                Self.expectNoValues(enqueued.text, "the enqueue answer")
                #expect(enqueued.text.contains("[redacted]"))
                let job = try enqueued.decode(Job.self)
                _ = try await Self.wait(conveyor, job.id, .succeeded)

                // The receiver: resolved values, and a signature it can verify.
                let hook = try #require(receiver.received.first { $0.target == "/hook" })
                #expect(hook.header("authorization") == Self.named)
                #expect(hook.header("x-api-key") == Self.inline)
                #expect(hook.header("x-trace") == "plain")
                #expect(hook.header("webhook-id") == "\(job.id)_1")
                #expect(SpecVerifier.verify(secret: signing.secret, request: hook))
                #expect(!SpecVerifier.verify(secret: WebhookSecret.generate(), request: hook))

                // Every read surface.
                let shown = try await client.send(.get, "/v1/jobs/\(job.id)")
                let list = try await client.send(.get, "/v1/jobs")
                let events = try await client.send(.get, "/v1/events?key=\(job.id)")
                for (surface, answer) in [("GET /v1/jobs/{id}", shown), ("GET /v1/jobs", list), ("GET /v1/events", events)] {
                    #expect(answer.status == .ok)
                    Self.expectNoValues(answer.text, surface)
                    #expect(answer.text.contains("[redacted]"), "\(surface)")
                }
                let stream = try await SSEConnection.open(port: port, path: "/v1/events/stream?after=0&topic=job.*")
                for item in try await stream.items.messages(3) {
                    guard case .message(_, _, let data) = item else { continue }
                    Self.expectNoValues(data, "the SSE stream")
                    #expect(data.contains("[redacted]"))
                }
                stream.task.cancel()
                let dispatcher = WebhookDispatcher(conveyor: conveyor)
                let sender = WebhookSender(conveyor: conveyor, settings: settings, owner: "test-sender")
                while try await dispatcher.tick() {}
                #expect(try await sender.sendDue() > 0)
                try await sender.shutdown()
                let deliveries = receiver.received.filter { $0.target == "/webhook" }
                #expect(!deliveries.isEmpty)
                for delivery in deliveries {
                    let body = String(decoding: delivery.body, as: UTF8.self)
                    Self.expectNoValues(body, "a webhook delivery")
                    #expect(body.contains("[redacted]"))
                }

                // A re-run copies the stored payload and still sends the real values.
                let rerun = try await client.send(.post, "/v1/jobs/\(job.id)/actions", json: #"{"type":"rerun"}"#)
                #expect(rerun.status == .created || rerun.status == .ok, "\(rerun.text)")
                Self.expectNoValues(rerun.text, "the rerun answer")
                let again = try rerun.decode(Job.self)
                _ = try await Self.wait(conveyor, again.id, .succeeded)
                let second = try #require(receiver.received.last { $0.target == "/hook" })
                #expect(second.header("x-conveyor-job-id") == again.id)
                #expect(second.header("authorization") == Self.named)
                #expect(second.header("x-api-key") == Self.inline)
                #expect(SpecVerifier.verify(secret: signing.secret, request: second))
            }
        }
    }

    /// A job naming a secret its tenant lacks fails the attempt, naming the secret, and
    /// retries by backoff; once the secret exists, the next attempt goes through.
    @Test(arguments: StoreKind.allCases)
    func aMissingSecretFailsTheAttemptNamingItThenRetries(kind: StoreKind) async throws {
        let conveyor = try await Self.conveyor(kind)
        try await LoopbackReceiver.with({ _ in .text(200, "ok") }) { receiver in
            let engine = ConveyorEngine(conveyor: conveyor, queues: [QueueWorkerConfiguration(queue: "default", concurrency: 2)])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                var request = EnqueueRequest(
                    type: "http", payload: ["url": .string(receiver.url("/hook")), "headers": ["authorization": ["secret": "later"]]])
                request.backoff = .fixed(seconds: 1)
                let job = try await conveyor.enqueue([request])[0].job
                let retrying = try await Self.wait(conveyor, job.id, .retrying)
                let error = try #require(retrying.errors.first)
                #expect(error.message.contains("'later'") && error.message.contains("PUT /v1/secrets/later"), "\(error.message)")
                #expect(receiver.received.isEmpty)
                _ = try await conveyor.putSecret(name: "later", value: "now-it-exists")
                _ = try await Self.wait(conveyor, job.id, .succeeded)
                #expect(receiver.received.first?.header("authorization") == "now-it-exists")
                group.cancelAll()
            }
        }
    }

    /// After a rotation, requests carry two signatures: receivers on either secret verify.
    @Test(arguments: StoreKind.allCases)
    func rotationSignsWithBothSecretsDuringTheOverlap(kind: StoreKind) async throws {
        let conveyor = try await Self.conveyor(kind)
        let before = try await conveyor.signingSecret()
        let after = try await conveyor.rotateSigningSecret()
        #expect(after.secret != before.secret && after.previousSecret == nil)
        #expect(try await conveyor.signingSecret().secret == after.secret)
        try await LoopbackReceiver.with({ _ in .text(200, "ok") }) { receiver in
            let handler = HTTPJob(client: Self.client)
            let payload = try ConveyorJSON.decode(HTTPJob.Payload.self, from: Data(#"{"url":"\#(receiver.url("/"))","body":{"a":1}}"#.utf8))
            let context = JobContext(id: "job-1", type: "http", secrets: conveyor.tenantSecrets(Tenant.defaultID))
            _ = try await handler.run(payload, context: context)
            let request = try #require(receiver.received.first)
            #expect(request.header("webhook-signature")?.split(separator: " ").count == 2)
            #expect(SpecVerifier.verify(secret: before.secret, request: request))
            #expect(SpecVerifier.verify(secret: after.secret, request: request))
        }
    }

    /// Shapes refused at enqueue, each naming its field; another tenant's sealed value
    /// and secrets stay out of reach.
    @Test(arguments: StoreKind.allCases)
    func badShapesAreRefusedAndTenantsAreIsolated(kind: StoreKind) async throws {
        let conveyor = try await Self.conveyor(kind)
        func field(_ payload: JSONValue, tenant: String = Tenant.defaultID) async -> String? {
            let caller = Caller(credential: .development, tenant: tenant, scopes: [.jobsWrite])
            do {
                _ = try await conveyor.enqueue([EnqueueRequest(type: "http", payload: payload)], as: caller)
                return nil
            } catch let error as ConveyorError {
                return error.failures.first?.field
            } catch {
                return "\(error)"
            }
        }
        let url = JSONValue.string("https://example.com/hook")
        #expect(await field(["url": url, "headers": ["authorization": ["secret": 5]]]) == "payload.headers.authorization")
        #expect(await field(["url": url, "headers": ["authorization": ["secret": "no spaces"]]]) == "payload.headers.authorization")
        #expect(await field(["url": url, "headers": ["authorization": ["value": "x"]]]) == "payload.headers.authorization")
        #expect(await field(["url": url, "headers": ["authorization": "[redacted]"]]) == "payload.headers.authorization")

        // Tenant a's sealed header does not open for tenant b.
        let a = Caller(credential: .development, tenant: "a", scopes: [.jobsWrite, .secretsManage])
        let b = Caller(credential: .development, tenant: "b", scopes: [.jobsWrite, .secretsManage])
        let sealed = try await conveyor.enqueue(
            [EnqueueRequest(type: "http", payload: ["url": url, "headers": ["authorization": .string(Self.inline)]])], as: a)[0].job
        Self.expectNoValues(String(decoding: try ConveyorJSON.encode(sealed), as: UTF8.self), "the stored job")
        #expect(await field(sealed.payload, tenant: "b") == "payload.sealed_headers.authorization")
        #expect(await field(sealed.payload, tenant: "a") == nil)

        // Named secrets: validated, and per tenant.
        await #expect(throws: ConveyorError.self) { try await conveyor.putSecret(name: "no/slash", value: "x", as: a) }
        do {
            _ = try await conveyor.putSecret(name: "bad name", value: "x\ny", as: a)
        } catch let error as ConveyorError {
            #expect(error.failures.map(\.field) == ["name", "value"])
        }
        _ = try await conveyor.putSecret(name: "shared", value: "a-value", as: a)
        #expect(try await conveyor.listSecrets(as: b).isEmpty)
        #expect(try await conveyor.tenantSecrets("b").value(named: "shared") == nil)
        do {
            try await conveyor.deleteSecret(name: "shared", as: b)
            Issue.record("deleted another tenant's secret")
        } catch let error as ConveyorError {
            #expect(error.code == .notFound)
        }
        #expect(try await conveyor.listSecrets(as: a).map(\.name) == ["shared"])
        // Conveyor's own entries are never listed, and tenants' signing secrets differ.
        #expect(try await conveyor.signingSecret(as: a).secret != conveyor.signingSecret(as: b).secret)
        #expect(try await conveyor.listSecrets(as: a).map(\.name) == ["shared"])
    }
}
