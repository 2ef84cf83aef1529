import Foundation

/// `unique` on an enqueue: at most one job per `key` (within the tenant) while a job with
/// that key is in one of `states`, or was created within the last `periodSeconds`.
///
/// A refused job creates nothing; the enqueue returns the job that holds the key,
/// flagged as a unique conflict (``InsertDisposition/uniqueConflict``). With `replace`,
/// a holder still waiting to run (`scheduled` or `queued`) takes the new payload and
/// `run_at` instead (a debounce, ``InsertDisposition/replaced``). See docs/unique-jobs.md.
///
/// ```json
/// "unique": {"key": "sync-user-42", "states": ["scheduled", "queued"], "replace": true}
/// ```
public struct UniqueOptions: Codable, Sendable, Hashable {
    /// 1–255 bytes; compared within the tenant.
    public var key: String
    /// The states in which a job holds the key; nil means ``defaultStates`` (or, with
    /// `replace`, ``replaceableStates``). May be empty when `periodSeconds` is given.
    public var states: [JobState]?
    /// Also refuse while a job with the key was created within this many seconds,
    /// whatever its state now.
    public var periodSeconds: Double?
    /// Debounce: replace a waiting holder's payload and `run_at` rather than refuse.
    public var replace: Bool

    /// While a job with the key has not finished.
    public static let defaultStates: [JobState] = [.scheduled, .queued, .running, .retrying]
    /// The states a `replace` can change: the job has not started.
    public static let replaceableStates: [JobState] = [.scheduled, .queued]
    /// The longest `period_seconds` accepted: 366 days.
    public static let maxPeriodSeconds: Double = 366 * 86400

    enum CodingKeys: String, CodingKey, CaseIterable {
        case key, states, replace
        case periodSeconds = "period_seconds"
    }

    public init(key: String, states: [JobState]? = nil, periodSeconds: Double? = nil, replace: Bool = false) {
        self.key = key
        self.states = states
        self.periodSeconds = periodSeconds
        self.replace = replace
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        if c.contains(.states), try !c.decodeNil(forKey: .states) {
            // Read as text so an unknown state is reported at its index with the accepted ones.
            var list = try c.nestedUnkeyedContainer(forKey: .states)
            var states: [JobState] = []
            while !list.isAtEnd {
                let text = try list.decode(String.self)
                guard let state = JobState(rawValue: text) else {
                    throw DecodingError.dataCorrupted(
                        .init(
                            codingPath: decoder.codingPath + [CodingKeys.states, IndexKey(list.currentIndex - 1)],
                            debugDescription:
                                "unknown job state '\(text)'; states are \(JobState.allCases.map(\.rawValue).joined(separator: ", "))"
                        ))
                }
                states.append(state)
            }
            self.states = states
        } else {
            states = nil
        }
        periodSeconds = try c.decodeIfPresent(Double.self, forKey: .periodSeconds)
        replace = try c.decodeIfPresent(Bool.self, forKey: .replace) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encodeIfPresent(states, forKey: .states)
        try c.encodeIfPresent(periodSeconds, forKey: .periodSeconds)
        try c.encode(replace, forKey: .replace)
    }

    /// The states that hold the key, defaults applied, each once, in ``JobState`` order.
    public var resolvedStates: [JobState] {
        let given = Set(states ?? (replace ? Self.replaceableStates : Self.defaultStates))
        return JobState.allCases.filter(given.contains)
    }

    /// Every problem with the options, fields named from `unique` (`unique.states[1]`).
    public func validate() -> [ValidationFailure] {
        var failures: [ValidationFailure] = []
        if key.isEmpty || key.utf8.count > 255 || key.utf8.contains(0) {
            failures.append(ValidationFailure("unique.key", "must be 1–255 bytes without the NUL character"))
        }
        if let periodSeconds, !(periodSeconds > 0 && periodSeconds <= Self.maxPeriodSeconds) {
            failures.append(
                ValidationFailure("unique.period_seconds", "must be > 0 and at most \(Int(Self.maxPeriodSeconds)) (366 days)"))
        }
        if let states, states.isEmpty, periodSeconds == nil {
            failures.append(
                ValidationFailure("unique.states", "must name at least one state, unless period_seconds is given"))
        }
        if replace {
            for (index, state) in (states ?? []).enumerated() where !Self.replaceableStates.contains(state) {
                failures.append(
                    ValidationFailure(
                        "unique.states[\(index)]",
                        "with replace, only scheduled and queued jobs can be replaced; '\(state.rawValue)' cannot (drop it, or set replace to false)"
                    ))
            }
            if periodSeconds != nil {
                failures.append(
                    ValidationFailure("unique.period_seconds", "cannot be combined with replace: only waiting jobs are replaced"))
            }
        }
        return failures
    }

    /// True when `job` (created at `createdAt`, now in `state`) holds the key for a new job
    /// created at `now`.
    public func isHeld(state: JobState, createdAt: Date, now: Date) -> Bool {
        if resolvedStates.contains(state) { return true }
        guard let periodSeconds else { return false }
        return createdAt >= periodStart(now: now)
    }

    /// The earliest creation time that still holds the key under `periodSeconds`.
    public func periodStart(now: Date) -> Date {
        now.addingTimeInterval(-(periodSeconds ?? 0)).truncatedToMilliseconds
    }

    private struct IndexKey: CodingKey {
        var intValue: Int?
        var stringValue: String { "\(intValue ?? 0)" }
        init(_ index: Int) { intValue = index }
        init?(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }
}
