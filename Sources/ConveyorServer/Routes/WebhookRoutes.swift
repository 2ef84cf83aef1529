import ConveyorCore
import Foundation
import Hummingbird

/// Outbound webhook endpoints (`/v1/webhooks`) and their delivery log. Scope
/// `webhooks:manage`; tenant-isolated like jobs. See docs/webhooks.md.
struct WebhookRoutes {
    let conveyor: Conveyor
    let settings: WebhookSettings

    func register(in routes: inout RouteTable) {
        routes.on(.post, "/v1/webhooks", use: create)
        routes.on(.get, "/v1/webhooks", use: list)
        routes.on(.get, "/v1/webhooks/{id}", use: show)
        routes.on(.patch, "/v1/webhooks/{id}", use: update)
        routes.on(.delete, "/v1/webhooks/{id}", use: delete)
        routes.on(.post, "/v1/webhooks/{id}/rotate-secret", use: rotate)
        routes.on(.get, "/v1/webhooks/{id}/deliveries", use: deliveries)
        routes.on(.post, "/v1/deliveries/{id}/redeliver", use: redeliver)
    }

    /// 201 with the secret in full: the only time it is shown.
    @Sendable func create(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await JSONRequestBody.read(request, context: context).decode(WebhookEndpointRequest.self)
        let endpoint = try await conveyor.createWebhook(body, settings: settings, as: caller)
        context.logger.notice(
            "webhook endpoint created", metadata: ["endpoint": "\(endpoint.id)", "tenant": "\(endpoint.tenant)", "by": "\(caller.createdBy)"])
        var headers = HTTPFields()
        headers[.location] = "/v1/webhooks/\(endpoint.id)"
        return try .json(endpoint, status: .created, headers: headers)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let (limit, cursor) = try QueryReader.page(request)
        let page = try ListCursor.page(try await conveyor.webhooks(as: context.requireCaller()), key: \.id, limit: limit, cursor: cursor)
        return try .json(WebhookEndpointList(endpoints: page.items, nextCursor: page.nextCursor))
    }

    @Sendable func show(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.webhook(id: context.parameters.requireDecoded("id"), as: context.requireCaller()))
    }

    @Sendable func update(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.parameters.requireDecoded("id")
        let patch = try await JSONRequestBody.read(request, context: context).decode(WebhookEndpointPatch.self)
        let endpoint = try await conveyor.updateWebhook(id: id, patch: patch, settings: settings, as: caller)
        context.logger.notice("webhook endpoint updated", metadata: ["endpoint": "\(id)", "by": "\(caller.createdBy)"])
        return try .json(endpoint)
    }

    @Sendable func delete(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.parameters.requireDecoded("id")
        try await conveyor.deleteWebhook(id: id, as: caller)
        context.logger.notice("webhook endpoint deleted", metadata: ["endpoint": "\(id)", "by": "\(caller.createdBy)"])
        return Response(status: .noContent)
    }

    /// The body is optional: `{"secret": …, "overlap_seconds": …}`.
    @Sendable func rotate(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.parameters.requireDecoded("id")
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        var body = WebhookRotateRequest()
        if buffer.readableBytes > 0 {
            let data = Data(buffer.readableBytesView)
            guard (try? ConveyorJSON.decode(JSONValue.self, from: data)) != nil else {
                throw MalformedJSONError(message: MalformedJSONError.parserMessage(for: data))
            }
            body = try ConveyorJSON.decode(WebhookRotateRequest.self, from: data)
        }
        let endpoint = try await conveyor.rotateWebhookSecret(id: id, request: body, settings: settings, as: caller)
        context.logger.notice("webhook secret rotated", metadata: ["endpoint": "\(id)", "by": "\(caller.createdBy)"])
        return try .json(endpoint)
    }

    /// `cursor` (the last delivery id of the previous page) and `limit` (1–500, default 50).
    @Sendable func deliveries(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        var reader = QueryReader(request.uri.queryParameters, allowed: ["cursor", "limit"])
        let limit = reader.limit(default: 50, range: 1...500)
        try reader.check()
        let cursor = reader.value("cursor")
        let id = try context.parameters.requireDecoded("id")
        return try .json(try await conveyor.webhookDeliveries(endpointID: id, cursor: cursor, limit: limit, as: context.requireCaller()))
    }

    /// 202: the sender sends it again shortly.
    @Sendable func redeliver(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.parameters.requireDecoded("id")
        let delivery = try await conveyor.redeliverWebhook(deliveryID: id, as: caller)
        context.logger.notice("webhook redelivery requested", metadata: ["delivery": "\(id)", "by": "\(caller.createdBy)"])
        return try .json(delivery, status: .accepted)
    }
}
