import ConveyorClient
import ConveyorCore
import ConveyorServer
import ConveyorWebhooks
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The webhook routes through the typed client, over a socket, with a sender delivering
/// to a loopback receiver (allowed by the configuration's allow-list).
@Suite("Webhook API") struct WebhookAPITests {
    @Test func endpointsDeliveriesAndRedeliveryThroughTheClient() async throws {
        let harness = try await ServerHarness()
        var configuration = harness.configuration
        configuration.webhooks = WebhookHarness.loopbackAllowed
        let sender = WebhookSender(conveyor: harness.conveyor, settings: configuration.webhooks, owner: "api-test")
        let dispatcher = WebhookDispatcher(conveyor: harness.conveyor)
        let app = buildApplication(
            conveyor: harness.conveyor, configuration: configuration, registry: harness.registry, services: [],
            logger: Logger(label: "conveyor.webhooks.test"))
        try await LoopbackReceiver.with(ScriptedReplies(200).respond) { receiver in
            try await app.test(.live) { testClient in
                let client = ConveyorClient(baseURL: "http://localhost:\(try #require(testClient.port))", timeout: .seconds(10))

                // 422s name the field.
                let refused = await #expect(throws: ConveyorClientError.self) {
                    try await client.createWebhook(WebhookEndpointRequest(url: "http://10.0.0.1/hook", events: ["job.failed"]))
                }
                #expect(refused?.status == 422)
                #expect(refused?.problem?.errors?.map(\.field) == ["url"])
                let badEvents = await #expect(throws: ConveyorClientError.self) {
                    try await client.createWebhook(WebhookEndpointRequest(url: receiver.url("/hook"), events: ["a*b"]))
                }
                #expect(badEvents?.problem?.errors?.map(\.field) == ["events[0]"])

                let created = try await client.createWebhook(
                    WebhookEndpointRequest(url: receiver.url("/hook"), events: ["order.*"], description: "orders"))
                #expect(created.secret.hasPrefix("whsec_") && created.secret.count > 30)
                #expect(created.description == "orders" && created.enabled && created.tenant == "default")
                let read = try await client.webhook(id: created.id)
                #expect(read.secret == "whsec_…" + String(created.secret.suffix(4)))
                #expect(try await client.webhooks().map(\.id) == [created.id])
                #expect(!(try await client.webhooks().contains { $0.secret == created.secret }))

                let patched = try await client.updateWebhook(id: created.id, WebhookEndpointPatch(description: "all orders", maxConcurrency: 3))
                #expect(patched.description == "all orders" && patched.maxConcurrency == 3)

                _ = try await harness.conveyor.publish(PublishEventRequest(topic: "order.created", data: ["n": 1]))
                while try await dispatcher.tick() {}
                #expect(try await sender.sendDue() == 1)
                #expect(SpecVerifier.verify(secret: created.secret, request: try #require(receiver.received.first)))

                let page = try await client.webhookDeliveries(id: created.id)
                let delivery = try #require(page.deliveries.first)
                #expect(delivery.state == .succeeded && delivery.attempts.first?.statusCode == 200)
                let again = try await client.redeliver(deliveryID: delivery.id)
                #expect(again.state == .pending)
                #expect(try await sender.sendDue() == 1)
                #expect(receiver.received.count == 2)

                let rotated = try await client.rotateWebhookSecret(id: created.id)
                #expect(rotated.secret != created.secret && rotated.secret.hasPrefix("whsec_"))
                #expect(rotated.previousSecretExpiresAt != nil)

                try await client.deleteWebhook(id: created.id)
                let gone = await #expect(throws: ConveyorClientError.self) { try await client.webhook(id: created.id) }
                #expect(gone?.status == 404)
            }
        }
        try await sender.shutdown()
    }
}
