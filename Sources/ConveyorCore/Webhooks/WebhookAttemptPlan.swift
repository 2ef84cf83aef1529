import Foundation

/// What recording one webhook attempt writes, decided in Core from the endpoint as the
/// store read it inside the recording transaction (locked there). Both stores persist
/// exactly this, so the rule "disable an endpoint after N failures in a row", its reason
/// and its event live in one place.
public struct WebhookAttemptPlan: Sendable, Hashable {
    /// The delivery's state after the attempt.
    public var deliveryState: WebhookDelivery.State
    /// When the delivery's next attempt is due; nil when this attempt ended it.
    public var nextAttemptAt: Date?
    /// The endpoint after the attempt: its failure count and, when this attempt disabled
    /// it, `enabled`, `disabledReason` and `updatedAt`. Its other fields are as read.
    public var endpoint: WebhookEndpoint
    /// `webhook.endpoint_disabled` when this attempt disabled the endpoint.
    public var event: StoreEvent?

    /// True when this attempt disabled the endpoint.
    public var disablesEndpoint: Bool { event != nil }

    /// The plan for an attempt with `outcome`, made against `endpoint` (read in the same
    /// transaction):
    ///
    /// - A success clears the endpoint's failure count; any failure (retried or final)
    ///   adds one.
    /// - The failure that brings an enabled endpoint to `disableAfter` in a row disables
    ///   it, with a reason naming the count and the last error, and appends
    ///   `webhook.endpoint_disabled` carrying the endpoint (secret masked) as disabled.
    ///   An endpoint already disabled keeps counting but is not disabled again.
    public static func after(
        _ attempt: WebhookAttempt, outcome: WebhookAttemptOutcome, endpoint current: WebhookEndpoint, disableAfter: Int, now: Date
    ) throws -> WebhookAttemptPlan {
        var endpoint = current
        var event: StoreEvent?
        if outcome == .succeeded {
            endpoint.consecutiveFailures = 0
        } else {
            endpoint.consecutiveFailures += 1
            if endpoint.enabled, endpoint.consecutiveFailures >= disableAfter {
                endpoint.enabled = false
                endpoint.disabledReason = disabledReason(failures: endpoint.consecutiveFailures, last: attempt)
                endpoint.updatedAt = now
                event = try StoreEvent(
                    type: LogEvent.webhookEndpointDisabled, key: endpoint.id, tenant: endpoint.tenant, encoding: endpoint.masked())
            }
        }
        return WebhookAttemptPlan(
            deliveryState: outcome.deliveryState, nextAttemptAt: outcome.nextAttemptAt, endpoint: endpoint, event: event)
    }

    /// Why an endpoint was disabled: the count, and the last attempt's error or status.
    static func disabledReason(failures: Int, last attempt: WebhookAttempt) -> String {
        "\(failures) failed attempts in a row; the last: \(attempt.error ?? "status \(attempt.statusCode ?? 0)")"
    }
}

extension WebhookAttemptOutcome {
    /// The delivery's state after an attempt with this outcome.
    public var deliveryState: WebhookDelivery.State {
        switch self {
        case .succeeded: .succeeded
        case .retry: .pending
        case .failed: .failed
        }
    }

    /// When the next attempt is due: only a retry has one.
    public var nextAttemptAt: Date? {
        if case .retry(let at) = self { at } else { nil }
    }
}
