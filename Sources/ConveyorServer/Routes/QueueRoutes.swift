import ConveyorCore
import Hummingbird

/// `GET /v1/queues`: job counts per queue and state. `GET`, `PATCH /v1/queues/{name}` and
/// `POST /v1/queues/{name}/pause|resume`: one queue's detail and flow control
/// (docs/flow-control.md). Changing a queue needs an admin or a credential of tenant
/// `default`; see ``Conveyor/isQueueOperator(_:)``.
struct QueueRoutes {
    let conveyor: Conveyor
    let configuredQueues: [String]

    func register(in routes: inout RouteTable) {
        routes.on(.get, "/v1/queues", use: list)
        routes.on(.get, "/v1/queues/{name}", use: show)
        routes.on(.patch, "/v1/queues/{name}", use: update)
        routes.on(.post, "/v1/queues/{name}/pause", use: pause)
        routes.on(.post, "/v1/queues/{name}/resume", use: resume)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let stats = try await conveyor.queueStats(as: context.requireCaller()).including(configured: configuredQueues)
        return try .json(QueueList(queues: stats))
    }

    @Sendable func show(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.queueDetail(context.parameters.requireDecoded("name"), as: context.requireCaller()))
    }

    @Sendable func update(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let name = try context.parameters.requireDecoded("name")
        let patch = try await JSONRequestBody.read(request, context: context).decode(QueueSettingsPatch.self)
        let detail = try await conveyor.updateQueueSettings(name, patch: patch, as: caller)
        context.logger.notice("queue settings updated", metadata: ["queue": "\(name)", "by": "\(caller.createdBy)"])
        return try .json(detail)
    }

    /// 200 with the queue's detail, also when it was paused already (nothing changes then).
    @Sendable func pause(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.pauseQueue(context.parameters.requireDecoded("name"), as: context.requireCaller()))
    }

    @Sendable func resume(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.resumeQueue(context.parameters.requireDecoded("name"), as: context.requireCaller()))
    }
}
