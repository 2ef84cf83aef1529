import AsyncHTTPClient
import ConveyorCore

/// Outbound webhook endpoints and their delivery log (scope `webhooks:manage`).
extension ConveyorClient {
    /// Creates an endpoint. The answer is the only one that carries the secret in full.
    public func createWebhook(_ request: WebhookEndpointRequest) async throws -> WebhookEndpoint {
        try await send(.POST, "/v1/webhooks", body: request).decode(WebhookEndpoint.self)
    }

    /// The caller's tenant's endpoints (an admin's: every tenant's), secrets masked.
    public func webhooks() async throws -> [WebhookEndpoint] {
        try await allPages { cursor in
            let page = try await webhooks(limit: Self.largestPage, cursor: cursor)
            return (page.endpoints, page.nextCursor)
        }
    }

    public func webhook(id: String) async throws -> WebhookEndpoint {
        try await send(.GET, Self.webhookPath(id)).decode(WebhookEndpoint.self)
    }

    /// Changes the fields given; `enabled: true` re-enables a disabled endpoint.
    public func updateWebhook(id: String, _ patch: WebhookEndpointPatch) async throws -> WebhookEndpoint {
        try await send(.PATCH, Self.webhookPath(id), body: patch).decode(WebhookEndpoint.self)
    }

    public func deleteWebhook(id: String) async throws {
        _ = try await send(.DELETE, Self.webhookPath(id))
    }

    /// Replaces the secret; the old one keeps signing for the overlap. Returns the new secret in full.
    public func rotateWebhookSecret(id: String, _ request: WebhookRotateRequest = WebhookRotateRequest()) async throws -> WebhookEndpoint {
        try await send(.POST, Self.webhookPath(id) + "/rotate-secret", body: request).decode(WebhookEndpoint.self)
    }

    /// One page of the endpoint's deliveries, newest first; pass `nextCursor` back for the next.
    public func webhookDeliveries(id: String, cursor: String? = nil, limit: Int = 50) async throws -> WebhookDeliveryPage {
        var query = [("limit", String(limit))]
        if let cursor { query.append(("cursor", cursor)) }
        return try await send(.GET, Self.webhookPath(id) + "/deliveries", query: query).decode(WebhookDeliveryPage.self)
    }

    /// Sends a delivery again, now, with a fresh retry schedule.
    @discardableResult
    public func redeliver(deliveryID: String) async throws -> WebhookDelivery {
        try await send(.POST, "/v1/deliveries/\(PercentEncoding.encode(deliveryID))/redeliver").decode(WebhookDelivery.self)
    }

    private static func webhookPath(_ id: String) -> String {
        "/v1/webhooks/\(PercentEncoding.encode(id))"
    }
}
