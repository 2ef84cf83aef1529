import ConveyorCore
import Foundation
import Testing

extension AuthTests.RouteSecurityTests.World {
    /// An endpoint of `tenant` on a public address (never called: nothing sends here), and
    /// one delivery to it.
    static func seedWebhook(_ conveyor: Conveyor, tenant: String) async throws -> (String, String) {
        let endpoint = try await conveyor.createWebhook(
            WebhookEndpointRequest(url: "https://93.184.215.14/hook", events: ["*"], tenant: tenant), settings: WebhookSettings())
        _ = try await conveyor.publish(PublishEventRequest(topic: "entry.saved", tenant: tenant))
        while try await WebhookDispatcher(conveyor: conveyor).tick() {}
        let page = try await conveyor.backend.webhooks.webhookDeliveries(endpointID: endpoint.id, cursor: nil, limit: 1)
        let delivery = try #require(page.deliveries.first)
        return (endpoint.id, delivery.id)
    }
}
