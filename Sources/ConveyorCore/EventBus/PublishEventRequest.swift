import Foundation

/// The body of `POST /v1/events`: a custom domain event.
///
/// ```json
/// {"topic": "entry.saved", "key": "entry-42", "data": {"title": "Hello"}, "idempotency_key": "save-42-v3"}
/// ```
public struct PublishEventRequest: Codable, Sendable, Hashable {
    /// What subscribers filter on, e.g. `entry.saved`. Also the event's `type`. Topics
    /// under ``EventTopic/reservedPrefixes`` (`job.`, `workflow.`, `webhook.`, …) are
    /// Conveyor's own, and `inbound.` topics carry verified inbound webhooks; all are refused.
    public var topic: String
    /// The entity the event is about; a consumer group delivers events with the same key
    /// in order. Left out: the empty key, so keyless events are handled one at a time.
    public var key: String?
    /// The payload; `{}` when left out. Checked against the topic's schema, if any.
    public var data: JSONValue?
    /// Publishing again with the same key (per tenant) appends nothing and returns the
    /// first event, for as long as that event is retained.
    public var idempotencyKey: String?
    /// Only an admin may publish for another tenant.
    public var tenant: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case topic, key, data, tenant
        case idempotencyKey = "idempotency_key"
    }

    public init(topic: String, key: String? = nil, data: JSONValue? = nil, idempotencyKey: String? = nil, tenant: String? = nil) {
        self.topic = topic
        self.key = key
        self.data = data
        self.idempotencyKey = idempotencyKey
        self.tenant = tenant
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        topic = try c.decode(String.self, forKey: .topic)
        key = try c.decodeIfPresent(String.self, forKey: .key)
        data = try c.decodeIfPresent(JSONValue.self, forKey: .data)
        idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
        tenant = try c.decodeIfPresent(String.self, forKey: .tenant)
    }
}

/// A custom event ready for the store: validated, its tenant decided.
public struct NewEvent: Sendable, Hashable {
    public var topic: String
    public var key: String
    public var tenant: String
    public var data: JSONValue
    public var idempotencyKey: String?
    /// A second key that de-duplicates only within a time window (inbound webhooks whose
    /// delivery id is not signed: a hash of the signed body).
    public var replayGuard: ReplayGuard?

    public init(
        topic: String, key: String, tenant: String, data: JSONValue, idempotencyKey: String? = nil, replayGuard: ReplayGuard? = nil
    ) {
        self.topic = topic
        self.key = key
        self.tenant = tenant
        self.data = data
        self.idempotencyKey = idempotencyKey
        self.replayGuard = replayGuard
    }
}

/// What publishing returned: the event, and whether this call appended it.
public struct PublishResult: Sendable, Hashable {
    public var event: LogEvent
    /// False when the idempotency key matched an event published before.
    public var created: Bool

    public init(event: LogEvent, created: Bool) {
        self.event = event
        self.created = created
    }
}
