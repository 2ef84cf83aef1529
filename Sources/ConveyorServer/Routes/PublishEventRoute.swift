import ConveyorCore
import Hummingbird

/// `POST /v1/events`: publishes a custom event to the log.
struct PublishEventRoute {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.post, "/v1/events", use: publish)
    }

    /// 201 with the event; 200 with the first event for a repeated `idempotency_key`
    /// (the field, or an `Idempotency-Key` header when the body has none).
    @Sendable func publish(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        var body = try await JSONRequestBody.read(request, context: context).decode(PublishEventRequest.self)
        if body.idempotencyKey == nil, let header = request.headers[.init("Idempotency-Key")!] {
            body.idempotencyKey = header
        }
        let result = try await conveyor.publish(body, as: context.requireCaller())
        return try .json(result.event, status: result.created ? .created : .ok)
    }
}
