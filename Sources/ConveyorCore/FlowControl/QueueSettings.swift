import Foundation

/// A queue's flow control, shared by every node: pausing, caps on running jobs, rate
/// limits and fairness across concurrency keys. `nil` means no limit.
///
/// A queue with none of these set claims by the plain path: most urgent job first,
/// nothing extra to read. Any key limit, a queue limit, a rate limit or `fair` switches
/// it to the fair claim, which serves concurrency keys round robin (docs/flow-control.md).
public struct QueueSettings: Codable, Sendable, Hashable {
    /// A paused queue keeps accepting jobs but claims none; running jobs finish.
    public var paused: Bool
    /// Serve concurrency keys round robin even when no key limit is set.
    public var fair: Bool
    /// The most jobs of this queue running at once, across all nodes.
    public var concurrencyLimit: Int?
    /// The most jobs of one concurrency key running at once in this queue, across all nodes.
    public var keyConcurrencyLimit: Int?
    /// Job starts per period for the whole queue (a token bucket holding one period's worth).
    public var rateLimit: RateLimit?
    /// Job starts per period for each concurrency key.
    public var keyRateLimit: RateLimit?

    public init(
        paused: Bool = false, fair: Bool = false, concurrencyLimit: Int? = nil, keyConcurrencyLimit: Int? = nil,
        rateLimit: RateLimit? = nil, keyRateLimit: RateLimit? = nil
    ) {
        self.paused = paused
        self.fair = fair
        self.concurrencyLimit = concurrencyLimit
        self.keyConcurrencyLimit = keyConcurrencyLimit
        self.rateLimit = rateLimit
        self.keyRateLimit = keyRateLimit
    }

    /// True when claims must take the fair path rather than the plain one.
    public var needsFairClaim: Bool {
        fair || concurrencyLimit != nil || keyConcurrencyLimit != nil || rateLimit != nil || keyRateLimit != nil
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case paused, fair
        case concurrencyLimit = "concurrency_limit"
        case keyConcurrencyLimit = "key_concurrency_limit"
        case rateLimit = "rate_limit"
        case keyRateLimit = "key_rate_limit"
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        paused = try c.decodeIfPresent(Bool.self, forKey: .paused) ?? false
        fair = try c.decodeIfPresent(Bool.self, forKey: .fair) ?? false
        concurrencyLimit = try c.decodeIfPresent(Int.self, forKey: .concurrencyLimit)
        keyConcurrencyLimit = try c.decodeIfPresent(Int.self, forKey: .keyConcurrencyLimit)
        rateLimit = try c.decodeIfPresent(RateLimit.self, forKey: .rateLimit)
        keyRateLimit = try c.decodeIfPresent(RateLimit.self, forKey: .keyRateLimit)
    }

    public func encode(to encoder: Encoder) throws {
        // Explicit so "no limit" shows as null rather than vanishing.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(paused, forKey: .paused)
        try c.encode(fair, forKey: .fair)
        try c.encode(concurrencyLimit, forKey: .concurrencyLimit)
        try c.encode(keyConcurrencyLimit, forKey: .keyConcurrencyLimit)
        try c.encode(rateLimit, forKey: .rateLimit)
        try c.encode(keyRateLimit, forKey: .keyRateLimit)
    }

    /// Every problem at once, each naming its field.
    public func validate() -> [ValidationFailure] {
        var failures: [ValidationFailure] = []
        for (value, field) in [(concurrencyLimit, "concurrency_limit"), (keyConcurrencyLimit, "key_concurrency_limit")] {
            if let n = value, !(1...1_000_000).contains(n) {
                failures.append(ValidationFailure(field, "must be between 1 and 1000000, or null for no limit"))
            }
        }
        for (rate, field) in [(rateLimit, "rate_limit"), (keyRateLimit, "key_rate_limit")] {
            guard let rate else { continue }
            if !(1...1_000_000_000).contains(rate.count) {
                failures.append(ValidationFailure("\(field).count", "must be between 1 and 1000000000"))
            }
            if !(rate.periodSeconds >= 0.001 && rate.periodSeconds <= 86400) {
                failures.append(ValidationFailure("\(field).period_seconds", "must be between 0.001 and 86400 (a day)"))
            }
        }
        return failures
    }
}

extension RateLimit {
    /// A limit as the stores keep it (a count and whole milliseconds); nil when either is absent.
    public init?(count: Int?, periodMillis: Int64?) {
        guard let count, let periodMillis else { return nil }
        self.init(count: count, periodSeconds: Double(periodMillis) / 1000)
    }

    /// The period in whole milliseconds, as the stores keep it.
    public var periodMillis: Int64 { Int64((periodSeconds * 1000).rounded()) }

    /// Whole tokens available at `now` in a bucket that held `tokens` at `at`; a bucket
    /// never seen is full. The bucket holds one period's worth, so a quiet key may
    /// start a whole period's jobs at once, then one every `period / count`.
    public func available(tokens: Double?, at: Date?, now: Date) -> Double {
        guard let tokens, let at else { return Double(count) }
        let refill = max(0, now.timeIntervalSince(at)) * Double(count) / periodSeconds
        return min(Double(count), tokens + refill)
    }

    /// When the bucket that holds `tokens` now has its next whole token.
    public func nextToken(after tokens: Double, now: Date) -> Date {
        let missing = max(0, 1 - (tokens - tokens.rounded(.down)))
        return now.addingTimeInterval(missing * periodSeconds / Double(count))
    }
}
