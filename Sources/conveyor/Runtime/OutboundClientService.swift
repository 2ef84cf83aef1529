import ConveyorHTTPJob
import ServiceLifecycle

/// Closes the `http` job's client once everything that sends through it has stopped.
/// List it before the engine: a ServiceGroup stops its services in reverse order.
struct OutboundClientService: Service {
    let client: OutboundHTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
