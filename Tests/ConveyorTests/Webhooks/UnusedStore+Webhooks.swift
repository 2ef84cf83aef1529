import ConveyorCore
import Testing
import Foundation

/// The route-building tests' store never answers webhook calls either.
extension UnusedStore {
    func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> WebhookEndpoint { endpoint }
    func webhookEndpoint(id: String) async throws -> WebhookEndpoint? { nil }
    func webhookEndpoints(tenant: String?) async throws -> [WebhookEndpoint] { [] }
    func updateWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> Bool { false }
    func deleteWebhookEndpoint(id: String) async throws -> Bool { false }
    func webhookDispatchCursor() async throws -> Int64 { 0 }
    func dispatchWebhookDeliveries(_ deliveries: [NewWebhookDelivery], cursor: Int64, now: Date) async throws -> Int { 0 }
    func claimWebhookDeliveries(owner: String, limit: Int, leaseUntil: Date, now: Date) async throws -> [ClaimedWebhookDelivery] { [] }
    func recordWebhookAttempt(
        deliveryID: String, owner: String, attempt: WebhookAttempt, outcome: WebhookAttemptOutcome, disableAfter: Int, now: Date
    ) async throws -> WebhookAttemptRecord? { nil }
    func webhookDelivery(id: String) async throws -> WebhookDelivery? { nil }
    func webhookDeliveries(endpointID: String, cursor: Int64?, limit: Int) async throws -> WebhookDeliveryPage {
        WebhookDeliveryPage(deliveries: [], nextCursor: nil)
    }
    func redeliverWebhook(id: String, now: Date) async throws -> WebhookDelivery? { nil }
    func pruneWebhookDeliveries(before: Date, limit: Int) async throws -> Int { 0 }
}

extension AuthTests.RouteSecurityTests.World {
    /// An endpoint of `tenant` on a public address (never called: nothing sends here), and
    /// one delivery to it.
    static func seedWebhook(_ conveyor: Conveyor, tenant: String) async throws -> (String, String) {
        let endpoint = try await conveyor.createWebhook(
            WebhookEndpointRequest(url: "https://93.184.215.14/hook", events: ["*"], tenant: tenant), settings: WebhookSettings())
        _ = try await conveyor.publish(PublishEventRequest(topic: "entry.saved", tenant: tenant))
        while try await WebhookDispatcher(conveyor: conveyor).tick() {}
        let page = try await conveyor.store.webhookDeliveries(endpointID: endpoint.id, cursor: nil, limit: 1)
        let delivery = try #require(page.deliveries.first)
        return (endpoint.id, delivery.id)
    }
}
