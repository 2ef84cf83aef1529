// A Swift service with its own job types, served over HTTP beside the built-in `http` type,
// and a small workflow of them.
//
//   swift run conveyor-example            (PORT=9000 to listen elsewhere than 8080)
//   curl -s -X POST localhost:8080/v1/jobs -H 'content-type: application/json' \
//        -d '{"type":"send_welcome_email","payload":{"to":"ada@example.com","name":"Ada"}}'
import AsyncHTTPClient
import ConveyorCore
import Foundation
import ConveyorHTTPJob
import ConveyorSQLite
import ConveyorServer
import Logging
import Prometheus

/// A typed job: the payload is checked at enqueue time, and a bad one is a 422.
struct SendWelcomeEmail: JobHandler {
    struct Payload: Codable, Sendable {
        var to: String
        var name: String
    }

    struct Sent: Codable, Sendable {
        var messageID: String
    }

    static let type = "send_welcome_email"
    // Three attempts, one, five and fifteen minutes apart.
    static var defaults: JobDefaults {
        JobDefaults(queue: "emails", maxAttempts: 3, backoff: .list(seconds: [60, 300, 900]), timeoutSeconds: 30)
    }

    func run(_ payload: Payload, context: JobContext) async throws -> Sent {
        guard payload.to.contains("@") else {
            // Retrying cannot fix a bad address: fail now.
            throw JobControl.fail("'\(payload.to)' is not an email address")
        }
        context.logger.info("sending welcome email to \(payload.to)")
        try await Task.sleep(for: .milliseconds(50))  // stands in for the mail provider's API
        return Sent(messageID: "msg-\(context.id.prefix(8))")
    }
}

@main
struct ExampleServer {
    static func main() async throws {
        let logger = Logger(label: "example")
        // The embedded backend: one SQLite file for jobs, events, keys and secrets.
        let backend = try SQLiteBackend.open(path: "./example.sqlite")
        try await backend.lifecycle.migrate()

        var handlers = JobRegistry()
        handlers.register(SendWelcomeEmail())
        // http jobs may call public addresses only; allow loopback for a local receiver.
        // The client is ours to shut down once the app stops.
        let outbound = OutboundHTTPClient(policy: OutboundTargetPolicy(allowLoopback: true))
        handlers.register(HTTPJob(client: outbound))
        let conveyor = Conveyor(backend: backend, registry: handlers, logger: logger)

        // Jobs can be enqueued from Swift as well as over HTTP.
        try await conveyor.enqueue(SendWelcomeEmail.self, SendWelcomeEmail.Payload(to: "grace@example.com", name: "Grace"))

        // A workflow: a DAG of jobs. `follow_up` runs once `welcome` has succeeded, with its
        // result in `payload.inputs.welcome`; GET /v1/workflows/{id} shows both steps.
        try await conveyor.submit(
            Workflow("onboarding") {
                Step("welcome", SendWelcomeEmail.self, SendWelcomeEmail.Payload(to: "ada@example.com", name: "Ada"))
                Step(
                    "follow_up", SendWelcomeEmail.self, SendWelcomeEmail.Payload(to: "ada@example.com", name: "Ada, again"),
                    dependsOn: "welcome")
            })

        let engine = ConveyorEngine(
            conveyor: conveyor,
            queues: [
                QueueWorkerConfiguration(queue: "default", concurrency: 10),
                QueueWorkerConfiguration(queue: "emails", concurrency: 5),
            ])
        let app = buildApplication(
            conveyor: conveyor,
            configuration: ServerConfiguration(
                port: ProcessInfo.processInfo.environment["PORT"].flatMap(Int.init) ?? 8080, queues: ["default", "emails"]),
            registry: PrometheusCollectorRegistry(), services: [engine], logger: logger)
        try await app.runService()
        try await outbound.shutdown()
    }
}
