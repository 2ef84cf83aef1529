import ConveyorCore
import Hummingbird

/// `GET /v1/events`: reading the event log page by page.
struct EventRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.get, "/v1/events", use: list)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let parameters = try EventParameters(
            request.uri.queryParameters, allowed: ["after", "topic", "tenant", "key", "limit"])
        let query = EventQuery(
            after: parameters.after, topic: parameters.topic, tenant: parameters.tenant, key: parameters.key,
            limit: parameters.limit)
        return try .json(try await conveyor.readEvents(query, as: context.requireCaller()))
    }
}
