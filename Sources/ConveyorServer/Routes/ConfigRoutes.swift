import ConveyorCore
import Hummingbird

/// `GET /v1/config/job-options`: the job types, queues and actions a client may use.
struct ConfigRoutes {
    let conveyor: Conveyor
    let configuredQueues: [String]

    func register(in routes: inout RouteTable) {
        routes.on(.get, "/v1/config/job-options", use: jobOptions)
    }

    @Sendable func jobOptions(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.jobOptions(queues: configuredQueues))
    }
}
