import Foundation

/// How long a job waits before its next attempt.
///
/// JSON forms: `{"type":"exponential","base_seconds":15,"max_seconds":3600,"jitter":true}`,
/// `{"type":"fixed","seconds":30}` and `{"type":"list","seconds":[60,300,900]}`.
public enum BackoffPolicy: Sendable, Hashable {
    /// `base * 2^(attempt-1)`, capped at `max`; with jitter, a random point in the upper half.
    case exponential(baseSeconds: Double, maxSeconds: Double, jitter: Bool)
    case fixed(seconds: Double)
    /// The n-th retry waits `seconds[n-1]`; past the end, the last entry repeats.
    case list(seconds: [Double])

    public static let `default` = BackoffPolicy.exponential(baseSeconds: 15, maxSeconds: 3600, jitter: true)

    /// The delay after failed attempt number `attempt` (1-based).
    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: 0...1)) -> Double {
        let n = max(1, attempt)
        switch self {
        case .fixed(let seconds):
            return seconds
        case .list(let seconds):
            guard let last = seconds.last else { return 0 }
            return n <= seconds.count ? seconds[n - 1] : last
        case .exponential(let base, let maxSeconds, let jitter):
            let raw = min(maxSeconds, base * pow(2, Double(min(n - 1, 62))))
            // Jitter in the upper half keeps the schedule monotone while spreading a
            // thundering herd of jobs that failed together.
            return jitter ? raw * (0.5 + 0.5 * random) : raw
        }
    }

    /// Checks the values a client sent, naming the field that is wrong.
    public func validate() throws(ValidationFailure) {
        switch self {
        case .fixed(let s):
            guard s >= 0, s.isFinite else { throw ValidationFailure("backoff.seconds", "must be a number of seconds ≥ 0") }
        case .list(let list):
            guard !list.isEmpty else { throw ValidationFailure("backoff.seconds", "must list at least one delay, e.g. [60,300,900]") }
            guard list.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw ValidationFailure("backoff.seconds", "every delay must be a number of seconds ≥ 0")
            }
        case .exponential(let base, let maxSeconds, _):
            guard base > 0, base.isFinite else { throw ValidationFailure("backoff.base_seconds", "must be > 0") }
            guard maxSeconds >= base, maxSeconds.isFinite else {
                throw ValidationFailure("backoff.max_seconds", "must be ≥ base_seconds")
            }
        }
    }
}

extension BackoffPolicy: Codable {
    enum CodingKeys: String, CodingKey {
        case type, seconds, jitter
        case baseSeconds = "base_seconds"
        case maxSeconds = "max_seconds"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "exponential":
            self = .exponential(
                baseSeconds: try c.decodeIfPresent(Double.self, forKey: .baseSeconds) ?? 15,
                maxSeconds: try c.decodeIfPresent(Double.self, forKey: .maxSeconds) ?? 3600,
                jitter: try c.decodeIfPresent(Bool.self, forKey: .jitter) ?? true)
        case "fixed":
            self = .fixed(seconds: try c.decode(Double.self, forKey: .seconds))
        case "list":
            self = .list(seconds: try c.decode([Double].self, forKey: .seconds))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c,
                debugDescription: "unknown backoff type '\(type)'; use exponential, fixed or list")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .exponential(let base, let maxSeconds, let jitter):
            try c.encode("exponential", forKey: .type)
            try c.encode(base, forKey: .baseSeconds)
            try c.encode(maxSeconds, forKey: .maxSeconds)
            try c.encode(jitter, forKey: .jitter)
        case .fixed(let seconds):
            try c.encode("fixed", forKey: .type)
            try c.encode(seconds, forKey: .seconds)
        case .list(let seconds):
            try c.encode("list", forKey: .type)
            try c.encode(seconds, forKey: .seconds)
        }
    }
}
