import ConveyorCore
import Hummingbird

/// The pull protocol for remote workers and the worker registry (`/v1/workers`): register,
/// claim with a long poll, heartbeat, report outcomes in a batch, go quiet, deregister.
/// See docs/workers.md.
struct WorkerRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.post, "/v1/workers", use: registerWorker)
        routes.on(.get, "/v1/workers", use: list)
        routes.on(.get, "/v1/workers/{id}", use: show)
        routes.on(.delete, "/v1/workers/{id}", use: stop)
        routes.on(.post, "/v1/workers/{id}/quiet", use: quiet)
        routes.on(.post, "/v1/workers/{id}/claim", use: claim)
        routes.on(.post, "/v1/workers/{id}/heartbeat", use: heartbeat)
        routes.on(.post, "/v1/workers/{id}/outcomes", use: outcomes)
    }

    @Sendable func registerWorker(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await JSONRequestBody.read(request, context: context).decode(RegisterWorkerRequest.self)
        let worker = try await conveyor.registerWorker(body, as: caller)
        var headers = HTTPFields()
        headers[.location] = "/v1/workers/\(worker.id)"
        return try .json(worker, status: .created, headers: headers)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.workers(as: context.requireCaller()))
    }

    @Sendable func show(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.worker(id: context.parameters.require("id"), as: context.requireCaller()))
    }

    @Sendable func stop(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.stopWorker(id: context.parameters.require("id"), as: context.requireCaller()))
    }

    @Sendable func quiet(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.quietWorker(id: context.parameters.require("id"), as: context.requireCaller()))
    }

    @Sendable func claim(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await JSONRequestBody.read(request, context: context).decode(WorkerClaimRequest.self)
        return try .json(try await conveyor.claimJobs(worker: id, body, as: context.requireCaller()))
    }

    @Sendable func heartbeat(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await JSONRequestBody.read(request, context: context).decode(WorkerHeartbeatRequest.self)
        return try .json(try await conveyor.heartbeat(worker: id, body, as: context.requireCaller()))
    }

    /// Answers 200 with one result per outcome, in order, whatever became of each.
    @Sendable func outcomes(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await JSONRequestBody.read(request, context: context).decode(WorkerOutcomeBatchRequest.self)
        let results = try await conveyor.reportOutcomes(body.outcomes, worker: id, as: context.requireCaller())
        return try .json(WorkerOutcomeBatchResponse(results: results))
    }
}
