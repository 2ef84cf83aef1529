import Foundation

/// `GET /v1/queues/{name}` (and the answer of PATCH, pause and resume): one queue's
/// settings, counts, busiest keys, paused keys and recent throughput.
public struct QueueDetail: Codable, Sendable, Hashable {
    /// Finished jobs in the last `window_seconds`.
    ///
    /// Counts jobs that reached `succeeded` or `failed` inside the window **among jobs
    /// created in the last 24 hours** (which bounds the scan): a job created longer ago
    /// that finishes now is not counted.
    public struct Throughput: Codable, Sendable, Hashable {
        public var windowSeconds: Double
        public var succeeded: Int
        public var failed: Int
        /// `(succeeded + failed) / window_seconds`.
        public var perSecond: Double

        public init(windowSeconds: Double, succeeded: Int, failed: Int) {
            self.windowSeconds = windowSeconds
            self.succeeded = succeeded
            self.failed = failed
            self.perSecond = windowSeconds > 0 ? Double(succeeded + failed) / windowSeconds : 0
        }

        enum CodingKeys: String, CodingKey {
            case succeeded, failed
            case windowSeconds = "window_seconds"
            case perSecond = "per_second"
        }
    }

    public var queue: String
    public var paused: Bool
    public var settings: QueueSettings
    /// Jobs per state; every state is present, zero when empty.
    public var counts: [String: Int]
    /// Seconds since the oldest queued job became due; nil when none is queued.
    public var oldestQueuedAgeSeconds: Double?
    /// Running jobs per concurrency key, the busiest first (at most 20).
    public var runningByKey: [KeyCount]
    /// Keys a handler paused (an upstream 429), with the time each pause ends.
    public var pausedKeys: [PausedKey]
    public var throughput: Throughput

    public init(
        queue: String, paused: Bool, settings: QueueSettings, counts: [String: Int], oldestQueuedAgeSeconds: Double?,
        runningByKey: [KeyCount], pausedKeys: [PausedKey], throughput: Throughput
    ) {
        self.queue = queue
        self.paused = paused
        self.settings = settings
        self.counts = counts
        self.oldestQueuedAgeSeconds = oldestQueuedAgeSeconds
        self.runningByKey = runningByKey
        self.pausedKeys = pausedKeys
        self.throughput = throughput
    }

    enum CodingKeys: String, CodingKey {
        case queue, paused, settings, counts, throughput
        case oldestQueuedAgeSeconds = "oldest_queued_age_seconds"
        case runningByKey = "running_by_key"
        case pausedKeys = "paused_keys"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(queue, forKey: .queue)
        try c.encode(paused, forKey: .paused)
        try c.encode(settings, forKey: .settings)
        try c.encode(counts, forKey: .counts)
        try c.encode(oldestQueuedAgeSeconds, forKey: .oldestQueuedAgeSeconds)
        try c.encode(runningByKey, forKey: .runningByKey)
        try c.encode(pausedKeys, forKey: .pausedKeys)
        try c.encode(throughput, forKey: .throughput)
    }
}

/// The body of `PATCH /v1/queues/{name}`: only the fields present change; an explicit
/// `null` clears a limit (and sets `fair` back to false). `paused` is refused here:
/// pausing has its own routes, which write `queue.paused` and `queue.resumed`.
public struct QueueSettingsPatch: Codable, Sendable, Hashable {
    /// A field of a patch: left out, set to null, or set to a value.
    public enum Field<Value: Codable & Sendable & Hashable>: Sendable, Hashable {
        case unchanged
        case clear
        case set(Value)

        func applied(to current: Value?) -> Value? {
            switch self {
            case .unchanged: current
            case .clear: nil
            case .set(let value): value
            }
        }
    }

    public var fair: Field<Bool>
    public var concurrencyLimit: Field<Int>
    public var keyConcurrencyLimit: Field<Int>
    public var rateLimit: Field<RateLimit>
    public var keyRateLimit: Field<RateLimit>
    /// Present only to be refused with a pointer to the pause and resume routes.
    public var paused: Bool?

    public init(
        fair: Field<Bool> = .unchanged, concurrencyLimit: Field<Int> = .unchanged, keyConcurrencyLimit: Field<Int> = .unchanged,
        rateLimit: Field<RateLimit> = .unchanged, keyRateLimit: Field<RateLimit> = .unchanged, paused: Bool? = nil
    ) {
        self.fair = fair
        self.concurrencyLimit = concurrencyLimit
        self.keyConcurrencyLimit = keyConcurrencyLimit
        self.rateLimit = rateLimit
        self.keyRateLimit = keyRateLimit
        self.paused = paused
    }

    /// The whole settings as a patch: every field set (a null limit clears).
    public init(replacing settings: QueueSettings) {
        fair = .set(settings.fair)
        concurrencyLimit = settings.concurrencyLimit.map { .set($0) } ?? .clear
        keyConcurrencyLimit = settings.keyConcurrencyLimit.map { .set($0) } ?? .clear
        rateLimit = settings.rateLimit.map { .set($0) } ?? .clear
        keyRateLimit = settings.keyRateLimit.map { .set($0) } ?? .clear
        paused = nil
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
        func field<V>(_ key: CodingKeys, _ type: V.Type) throws -> Field<V> {
            guard c.contains(key) else { return .unchanged }
            if try c.decodeNil(forKey: key) { return .clear }
            return .set(try c.decode(V.self, forKey: key))
        }
        fair = try field(.fair, Bool.self)
        concurrencyLimit = try field(.concurrencyLimit, Int.self)
        keyConcurrencyLimit = try field(.keyConcurrencyLimit, Int.self)
        rateLimit = try field(.rateLimit, RateLimit.self)
        keyRateLimit = try field(.keyRateLimit, RateLimit.self)
        paused = c.contains(.paused) ? (try? c.decodeIfPresent(Bool.self, forKey: .paused)) ?? false : nil
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func put<V>(_ field: Field<V>, _ key: CodingKeys) throws {
            switch field {
            case .unchanged: break
            case .clear: try c.encodeNil(forKey: key)
            case .set(let value): try c.encode(value, forKey: key)
            }
        }
        try put(fair, .fair)
        try put(concurrencyLimit, .concurrencyLimit)
        try put(keyConcurrencyLimit, .keyConcurrencyLimit)
        try put(rateLimit, .rateLimit)
        try put(keyRateLimit, .keyRateLimit)
        try c.encodeIfPresent(paused, forKey: .paused)
    }

    /// `current` with this patch applied; `paused` is kept as it is.
    public func applied(to current: QueueSettings) -> QueueSettings {
        var settings = current
        settings.fair = fair.applied(to: current.fair) ?? false
        settings.concurrencyLimit = concurrencyLimit.applied(to: current.concurrencyLimit)
        settings.keyConcurrencyLimit = keyConcurrencyLimit.applied(to: current.keyConcurrencyLimit)
        settings.rateLimit = rateLimit.applied(to: current.rateLimit)
        settings.keyRateLimit = keyRateLimit.applied(to: current.keyRateLimit)
        return settings
    }
}
