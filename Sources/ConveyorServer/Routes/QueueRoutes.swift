import ConveyorCore
import Hummingbird

/// `GET /v1/queues`: job counts per queue and state.
struct QueueRoutes {
    let conveyor: Conveyor
    let configuredQueues: [String]

    func register(in routes: inout RouteTable) {
        routes.on(.get, "/v1/queues", use: list)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let stats = try await conveyor.queueStats().including(configured: configuredQueues)
        return try .json(QueueList(queues: stats))
    }
}
