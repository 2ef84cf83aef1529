import Foundation

/// The outbound webhooks' part of the store: endpoints, the dispatcher's cursor, and
/// deliveries with their attempts. Each method is one transaction. See docs/webhooks.md.
public protocol WebhookStore: Sendable {
    // MARK: Endpoints

    /// Inserts the endpoint; its ``WebhookEndpoint/startAfter`` is set to the log's head
    /// now, so it receives events from its creation on.
    func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> WebhookEndpoint

    func webhookEndpoint(id: String) async throws -> WebhookEndpoint?

    /// Every endpoint (nil) or one tenant's, oldest first.
    func webhookEndpoints(tenant: String?) async throws -> [WebhookEndpoint]

    /// Writes every field but the id, tenant, start and creation time. False when absent.
    func updateWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> Bool

    /// Deletes the endpoint and its deliveries. False when absent.
    func deleteWebhookEndpoint(id: String) async throws -> Bool

    // MARK: Dispatch

    /// The id of the last event the dispatcher has made deliveries for.
    func webhookDispatchCursor() async throws -> Int64

    /// Inserts the deliveries (one per endpoint and event: a pair that exists already, or
    /// whose endpoint is gone, is skipped) and moves the cursor forward to `cursor`, in one
    /// transaction. Returns how many deliveries were inserted.
    @discardableResult
    func dispatchWebhookDeliveries(_ deliveries: [NewWebhookDelivery], cursor: Int64, now: Date) async throws -> Int

    // MARK: Sending

    /// Leases up to `limit` due deliveries of enabled endpoints to `owner` until
    /// `leaseUntil`. Deliveries whose lease expired (a sender that died) are due again.
    /// Per endpoint, no more than its `max_concurrency` are leased at once, and for an
    /// ordered endpoint only its oldest pending delivery, and only when none is in flight.
    func claimWebhookDeliveries(owner: String, limit: Int, leaseUntil: Date, now: Date) async throws -> [ClaimedWebhookDelivery]

    /// Records an attempt made under `owner`'s lease and what follows it, and updates the
    /// endpoint's failure count. At `disableAfter` failures in a row the endpoint is
    /// disabled and a `webhook.endpoint_disabled` event is appended in the same
    /// transaction. Nil when the lease is no longer `owner`'s (nothing is written).
    func recordWebhookAttempt(
        deliveryID: String, owner: String, attempt: WebhookAttempt, outcome: WebhookAttemptOutcome, disableAfter: Int, now: Date
    ) async throws -> WebhookAttemptRecord?

    // MARK: The delivery log

    func webhookDelivery(id: String) async throws -> WebhookDelivery?

    /// The endpoint's deliveries, newest event first, with event ids below `cursor` (the
    /// last event id of the previous page).
    func webhookDeliveries(endpointID: String, cursor: Int64?, limit: Int) async throws -> WebhookDeliveryPage

    /// Makes the delivery pending and due at `now`, with a fresh retry schedule, whatever
    /// its state. Nil when absent.
    func redeliverWebhook(id: String, now: Date) async throws -> WebhookDelivery?

    /// Deletes up to `limit` succeeded and failed deliveries last touched before `before`;
    /// pending ones (held for a disabled endpoint, too) are kept. Returns how many.
    func pruneWebhookDeliveries(before: Date, limit: Int) async throws -> Int
}

/// A delivery the dispatcher creates: the body is the event as `GET /v1/events` shows it.
public struct NewWebhookDelivery: Sendable, Hashable {
    public var id: String
    public var endpointID: String
    public var eventID: Int64
    public var eventType: String
    public var tenant: String
    public var body: String

    public init(id: String, endpointID: String, eventID: Int64, eventType: String, tenant: String, body: String) {
        self.id = id
        self.endpointID = endpointID
        self.eventID = eventID
        self.eventType = eventType
        self.tenant = tenant
        self.body = body
    }
}

/// A delivery leased to a sender, with what it needs to send.
public struct ClaimedWebhookDelivery: Sendable, Hashable {
    public var id: String
    public var eventID: Int64
    public var body: String
    /// Attempts made since it was created or last redelivered: picks the retry delay.
    public var tries: Int
    /// Every attempt made, redeliveries included: numbers the next one.
    public var attempts: Int
    public var endpoint: WebhookEndpoint

    public init(id: String, eventID: Int64, body: String, tries: Int, attempts: Int, endpoint: WebhookEndpoint) {
        self.id = id
        self.eventID = eventID
        self.body = body
        self.tries = tries
        self.attempts = attempts
        self.endpoint = endpoint
    }
}

public enum WebhookAttemptOutcome: Sendable, Hashable {
    case succeeded
    /// Failed; try again at this time.
    case retry(at: Date)
    /// Failed, and the schedule is spent.
    case failed
}

public struct WebhookAttemptRecord: Sendable, Hashable {
    public var delivery: WebhookDelivery
    /// True when this attempt disabled the endpoint.
    public var disabledEndpoint: Bool

    public init(delivery: WebhookDelivery, disabledEndpoint: Bool) {
        self.delivery = delivery
        self.disabledEndpoint = disabledEndpoint
    }
}

extension LogEvent {
    /// An endpoint failed too many times in a row and was disabled; `data` is the endpoint (secret masked).
    public static let webhookEndpointDisabled = "webhook.endpoint_disabled"
}
