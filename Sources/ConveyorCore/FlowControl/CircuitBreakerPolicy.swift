import Foundation

/// When a job type's breaker opens and how long it stays open before a probe.
///
/// Set per job type on its ``JobDefaults``. Breakers count per job type and concurrency
/// key: after `threshold` failed attempts in a row the key is unhealthy, its new jobs of
/// that type wait, and a `circuit.opened` event is written. After `cooldown` one probe job
/// runs: its success closes the breaker, its failure opens it again.
public struct CircuitBreakerPolicy: Codable, Sendable, Hashable {
    public var threshold: Int
    public var cooldownSeconds: Double

    public init(threshold: Int = 5, cooldownSeconds: Double = 60) {
        self.threshold = threshold
        self.cooldownSeconds = cooldownSeconds
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case threshold
        case cooldownSeconds = "cooldown_seconds"
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try c.decodeIfPresent(Int.self, forKey: .threshold) ?? 5
        cooldownSeconds = try c.decodeIfPresent(Double.self, forKey: .cooldownSeconds) ?? 60
    }

    public func validate(field: String) -> [ValidationFailure] {
        var failures: [ValidationFailure] = []
        if !(1...10_000).contains(threshold) {
            failures.append(ValidationFailure("\(field).threshold", "must be between 1 and 10000"))
        }
        if !(cooldownSeconds > 0 && cooldownSeconds <= 7 * 86400) {
            failures.append(ValidationFailure("\(field).cooldown_seconds", "must be > 0 and at most 604800 (7 days)"))
        }
        return failures
    }
}

/// What the store needs to count an attempt's outcome against its breaker.
public struct CircuitTally: Sendable, Hashable {
    public var type: String
    public var key: String
    public var queue: String
    public var tenant: String
    public var policy: CircuitBreakerPolicy

    public init(type: String, key: String, queue: String, tenant: String, policy: CircuitBreakerPolicy) {
        self.type = type
        self.key = key
        self.queue = queue
        self.tenant = tenant
        self.policy = policy
    }
}
