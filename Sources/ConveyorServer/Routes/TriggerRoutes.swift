import ConveyorCore
import Hummingbird

/// `POST`, `GET /v1/triggers` and `DELETE /v1/triggers/{id}`: rules that turn events into jobs.
struct TriggerRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.post, "/v1/triggers", use: create)
        routes.on(.get, "/v1/triggers", use: list)
        routes.on(.delete, "/v1/triggers/{id}", use: delete)
    }

    @Sendable func create(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await JSONRequestBody.read(request, context: context).decode(TriggerRequest.self)
        let trigger = try await conveyor.createTrigger(body, as: caller)
        context.logger.notice(
            "trigger created",
            metadata: ["trigger": "\(trigger.id)", "topic": "\(trigger.topic)", "job_type": "\(trigger.job.type)", "by": "\(caller.createdBy)"])
        var headers = HTTPFields()
        headers[.location] = "/v1/triggers/\(trigger.id)"
        return try .json(trigger, status: .created, headers: headers)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let (limit, cursor) = try QueryReader.page(request)
        let page = try ListCursor.page(try await conveyor.triggers(as: context.requireCaller()), key: \.id, limit: limit, cursor: cursor)
        return try .json(TriggerList(triggers: page.items, nextCursor: page.nextCursor))
    }

    @Sendable func delete(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.parameters.requireDecoded("id")
        try await conveyor.deleteTrigger(id: id, as: caller)
        context.logger.notice("trigger deleted", metadata: ["trigger": "\(id)", "by": "\(caller.createdBy)"])
        return Response(status: .noContent)
    }
}
