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

public struct WebhookEndpointList: Codable, Sendable {
    public var endpoints: [WebhookEndpoint]
    /// The cursor of the next page; absent on the last.
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case endpoints
        case nextCursor = "next_cursor"
    }

    public init(endpoints: [WebhookEndpoint], nextCursor: String? = nil) {
        self.endpoints = endpoints
        self.nextCursor = nextCursor
    }
}
