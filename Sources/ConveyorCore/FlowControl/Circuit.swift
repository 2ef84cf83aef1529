import Foundation

/// One circuit breaker, per job type and concurrency key, as `GET /v1/circuits` shows it.
public struct Circuit: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Healthy: jobs run.
        case closed
        /// Unhealthy: jobs of this type and key wait until `retry_at`.
        case open
        /// Cooled down: one probe job (`probe_job_id`) runs; its outcome decides.
        case halfOpen = "half_open"
    }

    public var type: String
    public var key: String
    public var queue: String
    public var tenant: String
    public var state: State
    /// Failed attempts in a row.
    public var failures: Int
    public var threshold: Int
    public var cooldownSeconds: Double
    public var openedAt: Date?
    /// When an open breaker lets its probe run.
    public var retryAt: Date?
    public var probeJobID: String?
    public var lastError: String?
    public var updatedAt: Date

    public init(
        type: String, key: String, queue: String, tenant: String, state: State, failures: Int, threshold: Int,
        cooldownSeconds: Double, openedAt: Date?, retryAt: Date?, probeJobID: String?, lastError: String?,
        updatedAt: Date
    ) {
        self.type = type
        self.key = key
        self.queue = queue
        self.tenant = tenant
        self.state = state
        self.failures = failures
        self.threshold = threshold
        self.cooldownSeconds = cooldownSeconds
        self.openedAt = openedAt
        self.retryAt = retryAt
        self.probeJobID = probeJobID
        self.lastError = lastError
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case type, key, queue, tenant, state, failures, threshold
        case cooldownSeconds = "cooldown_seconds"
        case openedAt = "opened_at"
        case retryAt = "retry_at"
        case probeJobID = "probe_job_id"
        case lastError = "last_error"
        case updatedAt = "updated_at"
    }

    /// Writes the key as its tenant gave it, whichever form this value holds, so no
    /// answer or event shows the stored form (``ConcurrencyKey``).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(ConcurrencyKey.shown(key), forKey: .key)
        try c.encode(queue, forKey: .queue)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(state, forKey: .state)
        try c.encode(failures, forKey: .failures)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(cooldownSeconds, forKey: .cooldownSeconds)
        try c.encode(openedAt, forKey: .openedAt)
        try c.encode(retryAt, forKey: .retryAt)
        try c.encode(probeJobID, forKey: .probeJobID)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(updatedAt, forKey: .updatedAt)
    }
}

/// `GET /v1/circuits`.
public struct CircuitList: Codable, Sendable {
    public var circuits: [Circuit]

    public init(circuits: [Circuit]) {
        self.circuits = circuits
    }
}

extension Circuit {
    /// The breaker as answers show it: its key as its tenant gave it (``ConcurrencyKey``).
    public var shown: Circuit {
        var copy = self
        let (tenant, key) = ConcurrencyKey.parse(self.key)
        copy.key = key
        copy.tenant = tenant
        return copy
    }
}
