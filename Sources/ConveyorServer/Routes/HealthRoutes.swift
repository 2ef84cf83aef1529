import ConveyorCore
import Foundation
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

    /// The store answers, its schema is current and writes have not lately failed for lack
    /// of space, so traffic may be routed here.
    @Sendable func ready(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        guard await conveyor.backend.lifecycle.isReady() else {
            throw ProblemError.unavailable(
                "The job store is not ready: it does not answer, or its schema is not migrated. Check the database and run the migrations; this endpoint turns ready on its own once they are fixed.")
        }
        if let since = conveyor.writeHealth.outOfSpaceSince(now: Date()) {
            throw ProblemError.unavailable(
                "Writes fail: the job store ran out of space (last at \(ConveyorJSON.formatDate(since))). Free space; this endpoint turns ready \(Int(conveyor.writeHealth.window)) s after the last failed write.")
        }
        return try .json(Status(status: "ready"))
    }
}
