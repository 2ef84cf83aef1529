import ConveyorCore
import Foundation
import Testing

/// The rule both stores apply when they record an attempt (``WebhookAttemptPlan``).
@Suite("Webhook attempt plan") struct WebhookAttemptPlanTests {
    let created = Date(timeIntervalSince1970: 1_700_000_000)
    let now = Date(timeIntervalSince1970: 1_700_000_600)

    func endpoint(failures: Int = 0, enabled: Bool = true) -> WebhookEndpoint {
        WebhookEndpoint(
            id: "ep_1", tenant: "acme", url: "https://example.com/hook", events: ["order.*"], description: "",
            secret: "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXh5ejk=", previousSecret: "whsec_old",
            enabled: enabled, disabledReason: enabled ? nil : "paused by hand", consecutiveFailures: failures,
            createdAt: created, updatedAt: created)
    }

    func attempt(status: Int? = 500, error: String? = nil) -> WebhookAttempt {
        WebhookAttempt(attempt: 1, at: now, statusCode: status, latencyMs: 3, response: nil, error: error, nextAttemptAt: nil)
    }

    @Test func aSuccessClearsTheCountAndEndsTheDelivery() throws {
        let plan = try WebhookAttemptPlan.after(
            attempt(status: 204), outcome: .succeeded, endpoint: endpoint(failures: 4), disableAfter: 5, now: now)
        #expect(plan.deliveryState == .succeeded)
        #expect(plan.nextAttemptAt == nil)
        #expect(plan.endpoint.consecutiveFailures == 0)
        #expect(plan.endpoint.enabled)
        #expect(plan.endpoint.updatedAt == created)
        #expect(plan.event == nil && !plan.disablesEndpoint)
    }

    @Test func aFailureBelowTheThresholdCountsAndRetries() throws {
        let retryAt = now.addingTimeInterval(5)
        let plan = try WebhookAttemptPlan.after(
            attempt(), outcome: .retry(at: retryAt), endpoint: endpoint(failures: 3), disableAfter: 5, now: now)
        #expect(plan.deliveryState == .pending)
        #expect(plan.nextAttemptAt == retryAt)
        #expect(plan.endpoint == endpoint(failures: 4))
        #expect(plan.event == nil)
    }

    @Test func theFailureThatReachesTheThresholdDisablesWithReasonAndEvent() throws {
        let plan = try WebhookAttemptPlan.after(
            attempt(status: nil, error: "connection refused"), outcome: .retry(at: now), endpoint: endpoint(failures: 4),
            disableAfter: 5, now: now)
        #expect(plan.deliveryState == .pending)
        #expect(plan.endpoint.consecutiveFailures == 5)
        #expect(!plan.endpoint.enabled)
        #expect(plan.endpoint.disabledReason == "5 failed attempts in a row; the last: connection refused")
        #expect(plan.endpoint.updatedAt == now)
        #expect(plan.disablesEndpoint)
        let event = try #require(plan.event)
        #expect(event.type == "webhook.endpoint_disabled" && event.topic == event.type)
        #expect(event.key == "ep_1" && event.tenant == "acme")
        // The event carries the endpoint as disabled, its secrets masked.
        let data = try ConveyorJSON.decode(WebhookEndpoint.self, from: Data(event.data.utf8))
        #expect(data == plan.endpoint.masked())
        #expect(!event.data.contains(endpoint().secret) && !event.data.contains("whsec_old"))
    }

    @Test func theReasonNamesTheStatusWhenTheAttemptHadNoError() throws {
        let plan = try WebhookAttemptPlan.after(
            attempt(status: 503), outcome: .failed, endpoint: endpoint(failures: 0), disableAfter: 1, now: now)
        #expect(plan.deliveryState == .failed && plan.nextAttemptAt == nil)
        #expect(plan.endpoint.disabledReason == "1 failed attempts in a row; the last: status 503")
    }

    @Test func aDisabledEndpointKeepsCountingWithoutASecondEvent() throws {
        let plan = try WebhookAttemptPlan.after(
            attempt(), outcome: .failed, endpoint: endpoint(failures: 9, enabled: false), disableAfter: 5, now: now)
        #expect(plan.deliveryState == .failed)
        #expect(plan.endpoint.consecutiveFailures == 10)
        #expect(!plan.endpoint.enabled && plan.endpoint.disabledReason == "paused by hand")
        #expect(plan.endpoint.updatedAt == created)
        #expect(plan.event == nil)
    }

    @Test func aSuccessOnADisabledEndpointClearsTheCountButDoesNotEnableIt() throws {
        let plan = try WebhookAttemptPlan.after(
            attempt(status: 200), outcome: .succeeded, endpoint: endpoint(failures: 7, enabled: false), disableAfter: 5, now: now)
        #expect(plan.endpoint.consecutiveFailures == 0 && !plan.endpoint.enabled)
        #expect(plan.event == nil)
    }
}
