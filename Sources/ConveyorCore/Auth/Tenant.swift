import Foundation

/// A tenant: the owner of jobs (and later workflows, events, webhooks and schedules),
/// with its limits.
///
/// A tenant need not be registered to own jobs: a JWT may name any tenant, and an
/// unregistered one has no limits. Registering it (`POST /v1/tenants`) sets limits, and
/// is required before API keys can be made for it.
public struct Tenant: Codable, Sendable, Hashable {
    /// The tenant every single-tenant deployment uses, and dev mode acts as.
    public static let defaultID = "default"

    public var id: String
    public var limits: TenantLimits
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, limits: TenantLimits = TenantLimits(), createdAt: Date, updatedAt: Date) {
        self.id = id
        self.limits = limits
        self.createdAt = createdAt.truncatedToMilliseconds
        self.updatedAt = updatedAt.truncatedToMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case id, limits
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// Per-tenant limits. `nil` means unlimited.
///
/// Only ``maxPayloadBytes`` is enforced today (413 at enqueue). ``maxConcurrency`` and
/// ``rateLimit`` are stored and reported but not enforced across queues: to cap a tenant,
/// set a queue's `key_concurrency_limit` or `key_rate_limit`, which count per concurrency
/// key, and the key defaults to the tenant (docs/flow-control.md).
public struct TenantLimits: Codable, Sendable, Hashable {
    /// The most jobs of this tenant running at once, across all nodes.
    public var maxConcurrency: Int?
    /// How many jobs of this tenant may start per period.
    public var rateLimit: RateLimit?
    /// The largest job payload accepted, in bytes of its JSON encoding.
    public var maxPayloadBytes: Int?

    public init(maxConcurrency: Int? = nil, rateLimit: RateLimit? = nil, maxPayloadBytes: Int? = nil) {
        self.maxConcurrency = maxConcurrency
        self.rateLimit = rateLimit
        self.maxPayloadBytes = maxPayloadBytes
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxConcurrency = "max_concurrency"
        case rateLimit = "rate_limit"
        case maxPayloadBytes = "max_payload_bytes"
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxConcurrency = try c.decodeIfPresent(Int.self, forKey: .maxConcurrency)
        rateLimit = try c.decodeIfPresent(RateLimit.self, forKey: .rateLimit)
        maxPayloadBytes = try c.decodeIfPresent(Int.self, forKey: .maxPayloadBytes)
    }

    public func encode(to encoder: Encoder) throws {
        // Explicit so an unlimited value shows as null rather than vanishing.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(maxConcurrency, forKey: .maxConcurrency)
        try c.encode(rateLimit, forKey: .rateLimit)
        try c.encode(maxPayloadBytes, forKey: .maxPayloadBytes)
    }

    /// The values a client sent, each failure naming its field under `limits`.
    public func validate() -> [ValidationFailure] {
        var failures: [ValidationFailure] = []
        if let n = maxConcurrency, !(1...1_000_000).contains(n) {
            failures.append(ValidationFailure("limits.max_concurrency", "must be between 1 and 1000000, or null for no cap"))
        }
        if let n = maxPayloadBytes, !(1...(64 * 1024 * 1024)).contains(n) {
            failures.append(ValidationFailure("limits.max_payload_bytes", "must be between 1 and 67108864 (64 MiB), or null for no limit"))
        }
        if let rate = rateLimit {
            if !(1...1_000_000_000).contains(rate.count) {
                failures.append(ValidationFailure("limits.rate_limit.count", "must be between 1 and 1000000000"))
            }
            if !(rate.periodSeconds > 0 && rate.periodSeconds <= 86400) {
                failures.append(ValidationFailure("limits.rate_limit.period_seconds", "must be > 0 and at most 86400 (a day)"))
            }
        }
        return failures
    }
}

/// `count` job starts per `period_seconds`.
public struct RateLimit: Codable, Sendable, Hashable {
    public var count: Int
    public var periodSeconds: Double

    public init(count: Int, periodSeconds: Double) {
        self.count = count
        self.periodSeconds = periodSeconds
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case count
        case periodSeconds = "period_seconds"
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = try c.decode(Int.self, forKey: .count)
        periodSeconds = try c.decode(Double.self, forKey: .periodSeconds)
    }
}
