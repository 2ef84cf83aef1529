import Foundation

/// A URL Conveyor delivers events to (`/v1/webhooks`). See docs/webhooks.md.
///
/// The store keeps the full secrets; the API shows ``secret`` in full only in the answer
/// to the creation (and to a rotation), masked everywhere else (``masked()``).
public struct WebhookEndpoint: Codable, Sendable, Hashable {
    public var id: String
    public var tenant: String
    public var url: String
    /// Topic filters: exact topics, `prefix.*` or `*`.
    public var events: [String]
    public var description: String
    /// `whsec_` + base64 of the signing key.
    public var secret: String
    /// While a rotation's overlap lasts, the secret before it; it signs too.
    public var previousSecret: String?
    public var previousSecretExpiresAt: Date?
    /// One delivery at a time, in event order.
    public var ordered: Bool
    /// Deliveries in flight at once to this endpoint (1 when `ordered`).
    public var maxConcurrency: Int
    public var enabled: Bool
    public var disabledReason: String?
    /// Failed attempts in a row; a success resets it. At the threshold the endpoint is disabled.
    public var consecutiveFailures: Int
    /// Events with an id up to this one predate the endpoint and are not delivered to it.
    public var startAfter: Int64
    public var createdAt: Date
    public var updatedAt: Date
    public var createdBy: String?

    enum CodingKeys: String, CodingKey {
        case id, tenant, url, events, description, secret, ordered, enabled
        case previousSecretExpiresAt = "previous_secret_expires_at"
        case maxConcurrency = "max_concurrency"
        case disabledReason = "disabled_reason"
        case consecutiveFailures = "consecutive_failures"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case createdBy = "created_by"
    }

    public init(
        id: String, tenant: String, url: String, events: [String], description: String, secret: String,
        previousSecret: String? = nil, previousSecretExpiresAt: Date? = nil, ordered: Bool = false, maxConcurrency: Int = 10,
        enabled: Bool = true, disabledReason: String? = nil, consecutiveFailures: Int = 0, startAfter: Int64 = 0,
        createdAt: Date, updatedAt: Date, createdBy: String? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.url = url
        self.events = events
        self.description = description
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.ordered = ordered
        self.maxConcurrency = maxConcurrency
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.consecutiveFailures = consecutiveFailures
        self.startAfter = startAfter
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.createdBy = createdBy
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        tenant = try c.decode(String.self, forKey: .tenant)
        url = try c.decode(String.self, forKey: .url)
        events = try c.decode([String].self, forKey: .events)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        secret = try c.decode(String.self, forKey: .secret)
        previousSecret = nil
        previousSecretExpiresAt = try c.decodeIfPresent(Date.self, forKey: .previousSecretExpiresAt)
        ordered = try c.decodeIfPresent(Bool.self, forKey: .ordered) ?? false
        maxConcurrency = try c.decodeIfPresent(Int.self, forKey: .maxConcurrency) ?? 10
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        disabledReason = try c.decodeIfPresent(String.self, forKey: .disabledReason)
        consecutiveFailures = try c.decodeIfPresent(Int.self, forKey: .consecutiveFailures) ?? 0
        startAfter = 0
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
        createdBy = try c.decodeIfPresent(String.self, forKey: .createdBy)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(url, forKey: .url)
        try c.encode(events, forKey: .events)
        try c.encode(description, forKey: .description)
        try c.encode(secret, forKey: .secret)
        try c.encode(previousSecretExpiresAt, forKey: .previousSecretExpiresAt)
        try c.encode(ordered, forKey: .ordered)
        try c.encode(maxConcurrency, forKey: .maxConcurrency)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(disabledReason, forKey: .disabledReason)
        try c.encode(consecutiveFailures, forKey: .consecutiveFailures)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(createdBy, forKey: .createdBy)
    }

    /// The endpoint as reads show it: the secret cut to its prefix and last four characters.
    public func masked() -> WebhookEndpoint {
        var copy = self
        copy.secret = "whsec_…" + String(secret.suffix(4))
        copy.previousSecret = nil
        return copy
    }

    /// The secrets that sign at `now`: the current one, and the previous one during a rotation's overlap.
    public func signingSecrets(at now: Date) -> [String] {
        if let previousSecret, let until = previousSecretExpiresAt, now < until { return [secret, previousSecret] }
        return [secret]
    }

    /// True when an event on `topic` of `tenant` with id `eventID` goes to this endpoint.
    public func wants(topic: String, tenant: String, eventID: Int64) -> Bool {
        guard eventID > startAfter, tenant == self.tenant else { return false }
        return events.contains { (try? TopicFilter($0))?.matches(topic) ?? false }
    }
}

/// `POST /v1/webhooks`.
public struct WebhookEndpointRequest: Codable, Sendable, Hashable {
    public var url: String
    public var events: [String]
    public var description: String?
    /// `whsec_` + base64 of at least 24 bytes; generated when absent.
    public var secret: String?
    public var ordered: Bool?
    public var maxConcurrency: Int?
    /// Admin only: the tenant whose events the endpoint receives.
    public var tenant: String?

    enum CodingKeys: String, CodingKey {
        case url, events, description, secret, ordered, tenant
        case maxConcurrency = "max_concurrency"
    }

    public init(
        url: String, events: [String], description: String? = nil, secret: String? = nil, ordered: Bool? = nil,
        maxConcurrency: Int? = nil, tenant: String? = nil
    ) {
        self.url = url
        self.events = events
        self.description = description
        self.secret = secret
        self.ordered = ordered
        self.maxConcurrency = maxConcurrency
        self.tenant = tenant
    }
}

/// `PATCH /v1/webhooks/{id}`: absent fields stay as they are. `enabled: true` re-enables
/// a disabled endpoint; its held deliveries go out from where they stopped.
public struct WebhookEndpointPatch: Codable, Sendable, Hashable {
    public var url: String?
    public var events: [String]?
    public var description: String?
    public var ordered: Bool?
    public var maxConcurrency: Int?
    public var enabled: Bool?

    enum CodingKeys: String, CodingKey {
        case url, events, description, ordered, enabled
        case maxConcurrency = "max_concurrency"
    }

    public init(
        url: String? = nil, events: [String]? = nil, description: String? = nil, ordered: Bool? = nil, maxConcurrency: Int? = nil,
        enabled: Bool? = nil
    ) {
        self.url = url
        self.events = events
        self.description = description
        self.ordered = ordered
        self.maxConcurrency = maxConcurrency
        self.enabled = enabled
    }
}

/// `POST /v1/webhooks/{id}/rotate-secret` (the body is optional).
public struct WebhookRotateRequest: Codable, Sendable, Hashable {
    /// The new secret; generated when absent.
    public var secret: String?
    /// How long the old secret keeps signing; the server's default (24 h) when absent.
    public var overlapSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case secret
        case overlapSeconds = "overlap_seconds"
    }

    public init(secret: String? = nil, overlapSeconds: Double? = nil) {
        self.secret = secret
        self.overlapSeconds = overlapSeconds
    }
}

public struct WebhookEndpointList: Codable, Sendable {
    public var endpoints: [WebhookEndpoint]

    public init(endpoints: [WebhookEndpoint]) {
        self.endpoints = endpoints
    }
}

/// One HTTP attempt of a delivery.
public struct WebhookAttempt: Codable, Sendable, Hashable {
    public var attempt: Int
    public var at: Date
    /// Nil when no response came (refused target, connection error, timeout).
    public var statusCode: Int?
    public var latencyMs: Int
    /// The first 1 KB of the response body.
    public var response: String?
    public var error: String?
    /// When the next attempt is due; nil when this one ended the delivery.
    public var nextAttemptAt: Date?

    enum CodingKeys: String, CodingKey {
        case attempt, at, response, error
        case statusCode = "status_code"
        case latencyMs = "latency_ms"
        case nextAttemptAt = "next_attempt_at"
    }

    public init(
        attempt: Int, at: Date, statusCode: Int?, latencyMs: Int, response: String?, error: String?, nextAttemptAt: Date?
    ) {
        self.attempt = attempt
        self.at = at
        self.statusCode = statusCode
        self.latencyMs = latencyMs
        self.response = response
        self.error = error
        self.nextAttemptAt = nextAttemptAt
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(attempt, forKey: .attempt)
        try c.encode(at, forKey: .at)
        try c.encode(statusCode, forKey: .statusCode)
        try c.encode(latencyMs, forKey: .latencyMs)
        try c.encode(response, forKey: .response)
        try c.encode(error, forKey: .error)
        try c.encode(nextAttemptAt, forKey: .nextAttemptAt)
    }
}

/// One event on its way to one endpoint, with every attempt made.
public struct WebhookDelivery: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, Hashable {
        /// Waiting for its next attempt (or held while the endpoint is disabled).
        case pending
        case succeeded
        /// The retry schedule ran out; `POST /v1/deliveries/{id}/redeliver` sends it again.
        case failed
    }

    public var id: String
    public var endpointID: String
    public var eventID: Int64
    public var eventType: String
    public var tenant: String
    public var state: State
    public var nextAttemptAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var attempts: [WebhookAttempt]

    enum CodingKeys: String, CodingKey {
        case id, tenant, state, attempts
        case endpointID = "endpoint_id"
        case eventID = "event_id"
        case eventType = "event_type"
        case nextAttemptAt = "next_attempt_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(
        id: String, endpointID: String, eventID: Int64, eventType: String, tenant: String, state: State, nextAttemptAt: Date?,
        createdAt: Date, updatedAt: Date, attempts: [WebhookAttempt]
    ) {
        self.id = id
        self.endpointID = endpointID
        self.eventID = eventID
        self.eventType = eventType
        self.tenant = tenant
        self.state = state
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.attempts = attempts
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(endpointID, forKey: .endpointID)
        try c.encode(eventID, forKey: .eventID)
        try c.encode(eventType, forKey: .eventType)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(state, forKey: .state)
        try c.encode(nextAttemptAt, forKey: .nextAttemptAt)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(attempts, forKey: .attempts)
    }
}

/// A page of an endpoint's deliveries, newest event first. `next_cursor` (an event id) fetches the next page.
public struct WebhookDeliveryPage: Codable, Sendable {
    public var deliveries: [WebhookDelivery]
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case deliveries
        case nextCursor = "next_cursor"
    }

    public init(deliveries: [WebhookDelivery], nextCursor: String?) {
        self.deliveries = deliveries
        self.nextCursor = nextCursor
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(deliveries, forKey: .deliveries)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}
