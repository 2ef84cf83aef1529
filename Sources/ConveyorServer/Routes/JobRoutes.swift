import ConveyorCore
import Hummingbird

/// Reading and acting on one job: list, get, cancel and retry.
struct JobRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.get, "/v1/jobs", use: list)
        routes.on(.get, "/v1/jobs/{id}", use: get)
        routes.on(.delete, "/v1/jobs/{id}", use: cancel)
        routes.on(.post, "/v1/jobs/{id}/retry", use: retry)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let query = try JobQuery(parameters: request.uri.queryParameters)
        return try .json(try await conveyor.listJobs(query, as: context.requireCaller()))
    }

    @Sendable func get(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.job(id: context.parameters.require("id"), as: context.requireCaller()))
    }

    @Sendable func cancel(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try await Self.cancel(id: context.parameters.require("id"), as: context.requireCaller(), conveyor: conveyor)
    }

    @Sendable func retry(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.retry(id: context.parameters.require("id"), as: context.requireCaller()))
    }

    /// Shared by `DELETE /v1/jobs/{id}` and the `cancel` action. 202 says the job is
    /// still running: its worker has been asked to stop and will record `cancelled`.
    static func cancel(id: String, as caller: Caller, conveyor: Conveyor) async throws -> Response {
        switch try await conveyor.cancel(id: id, as: caller) {
        case .cancelled(let job):
            return try .json(job)
        case .requested(let job):
            return try .json(job, status: .accepted)
        }
    }
}
