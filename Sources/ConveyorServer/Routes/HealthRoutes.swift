import ConveyorCore
import Hummingbird

/// Liveness and readiness probes.
struct HealthRoutes {
    struct Status: Encodable {
        var status: String
    }

    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.get, "/healthz", use: live)
        routes.on(.get, "/readyz", use: ready)
    }

    /// The process answers HTTP. It deliberately ignores the store, so an orchestrator
    /// does not restart a healthy process because the database is briefly away.
    @Sendable func live(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(Status(status: "ok"))
    }

    /// The store answers and its schema is current, so traffic may be routed here.
    @Sendable func ready(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        guard await conveyor.store.isReady() else {
            throw ProblemError.unavailable(
                "The job store is not ready: it does not answer, or its schema is not migrated. Check the database and run the migrations; this endpoint turns ready on its own once they are fixed.")
        }
        return try .json(Status(status: "ready"))
    }
}
