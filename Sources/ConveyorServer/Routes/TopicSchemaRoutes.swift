import ConveyorCore
import Hummingbird

/// `PUT`, `GET` and `DELETE /v1/topics/{topic}/schema`: the JSON Schema a topic's events
/// must match. The body of `PUT` is the schema itself.
struct TopicSchemaRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.put, "/v1/topics/{topic}/schema", use: save)
        routes.on(.get, "/v1/topics/{topic}/schema", use: get)
        routes.on(.delete, "/v1/topics/{topic}/schema", use: delete)
    }

    /// 201 when the topic had no schema, 200 when it was replaced.
    @Sendable func save(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let topic = try context.parameters.requireDecoded("topic")
        let schema = try await JSONRequestBody.read(request, context: context).value
        let (saved, created) = try await conveyor.saveTopicSchema(topic: topic, schema: schema)
        context.logger.notice(created ? "topic schema registered" : "topic schema replaced", metadata: ["topic": "\(topic)", "by": "\(caller.createdBy)"])
        return try .json(saved, status: created ? .created : .ok)
    }

    @Sendable func get(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.topicSchema(topic: context.parameters.requireDecoded("topic")))
    }

    @Sendable func delete(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let topic = try context.parameters.requireDecoded("topic")
        try await conveyor.deleteTopicSchema(topic: topic)
        context.logger.notice("topic schema removed", metadata: ["topic": "\(topic)", "by": "\(caller.createdBy)"])
        return Response(status: .noContent)
    }
}
