import Foundation

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
