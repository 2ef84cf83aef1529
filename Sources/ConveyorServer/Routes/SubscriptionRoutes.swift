import ConveyorCore
import Hummingbird

/// The durable consumer groups: their positions, their dead letters, and replays.
struct SubscriptionRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.get, "/v1/subscriptions", use: list)
        routes.on(.get, "/v1/subscriptions/{group}/dead-letters", use: deadLetters)
        routes.on(.post, "/v1/subscriptions/{group}/dead-letters/{id}/replay", use: replayOne)
        routes.on(.post, "/v1/subscriptions/{group}/dead-letters/replay", use: replayAll)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(SubscriptionList(subscriptions: try await conveyor.subscriptions()))
    }

    /// `after` (a dead letter id) and `limit` (1–1000, default 100) page through them.
    @Sendable func deadLetters(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        var reader = QueryReader(request.uri.queryParameters, allowed: ["after", "limit"])
        var after: Int64?
        if let text = reader.value("after") {
            after = Int64(text)
            if after.map({ $0 < 0 }) ?? true { reader.fail(ValidationFailure("after", "'\(text)' is not a dead letter id")) }
        }
        let limit = reader.limit(default: 100)
        try reader.check()
        let group = try context.parameters.requireDecoded("group")
        return try .json(try await conveyor.deadLetters(group: group, after: after, limit: limit))
    }

    /// 202: the group's active consumer delivers the dead letter again shortly.
    @Sendable func replayOne(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let text = try context.parameters.require("id")
        guard let id = Int64(text) else {
            throw ConveyorError.invalid([ValidationFailure("id", "'\(text)' is not a dead letter id (an integer)")])
        }
        let result = try await conveyor.replayDeadLetter(group: context.parameters.requireDecoded("group"), id: id)
        return try .json(result, status: .accepted)
    }

    @Sendable func replayAll(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.replayDeadLetters(group: context.parameters.requireDecoded("group")), status: .accepted)
    }
}
