import Foundation

/// The body of `POST /v1/jobs` for one job. Every field but `type` is optional; the
/// handler's ``JobDefaults`` fill the gaps. Unknown fields are refused, so a typo such
/// as `delay` for `delay_seconds` is reported instead of silently ignored.
public struct EnqueueRequest: Codable, Sendable, Hashable {
    public var type: String
    public var queue: String?
    public var payload: JSONValue?
    public var priority: Int?
    public var runAt: Date?
    public var delaySeconds: Double?
    public var maxAttempts: Int?
    public var backoff: BackoffPolicy?
    public var timeoutSeconds: Double?
    public var idempotencyKey: String?
    public var tags: [String]?
    public var tenant: String?
    public var metadata: JSONValue?
    /// What caps, rate limits, fairness and circuit breakers count the job under; the
    /// tenant when absent (see docs/flow-control.md).
    public var concurrencyKey: String?
    /// At most one job per key at a time; see ``UniqueOptions`` and docs/unique-jobs.md.
    public var unique: UniqueOptions?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, queue, payload, priority, backoff, tags, tenant, metadata, unique
        case runAt = "run_at"
        case delaySeconds = "delay_seconds"
        case maxAttempts = "max_attempts"
        case timeoutSeconds = "timeout_seconds"
        case idempotencyKey = "idempotency_key"
        case concurrencyKey = "concurrency_key"
    }

    public init(
        type: String, queue: String? = nil, payload: JSONValue? = nil, priority: Int? = nil, runAt: Date? = nil,
        delaySeconds: Double? = nil, maxAttempts: Int? = nil, backoff: BackoffPolicy? = nil,
        timeoutSeconds: Double? = nil, idempotencyKey: String? = nil, tags: [String]? = nil, tenant: String? = nil,
        metadata: JSONValue? = nil, concurrencyKey: String? = nil, unique: UniqueOptions? = nil
    ) {
        self.type = type
        self.queue = queue
        self.payload = payload
        self.priority = priority
        self.runAt = runAt
        self.delaySeconds = delaySeconds
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.timeoutSeconds = timeoutSeconds
        self.idempotencyKey = idempotencyKey
        self.tags = tags
        self.tenant = tenant
        self.metadata = metadata
        self.concurrencyKey = concurrencyKey
        self.unique = unique
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        queue = try c.decodeIfPresent(String.self, forKey: .queue)
        payload = try c.decodeIfPresent(JSONValue.self, forKey: .payload)
        priority = try c.decodeIfPresent(Int.self, forKey: .priority)
        runAt = try c.decodeIfPresent(Date.self, forKey: .runAt)
        delaySeconds = try c.decodeIfPresent(Double.self, forKey: .delaySeconds)
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts)
        backoff = try c.decodeIfPresent(BackoffPolicy.self, forKey: .backoff)
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds)
        idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
        tags = try c.decodeIfPresent([String].self, forKey: .tags)
        tenant = try c.decodeIfPresent(String.self, forKey: .tenant)
        metadata = try c.decodeIfPresent(JSONValue.self, forKey: .metadata)
        concurrencyKey = try c.decodeIfPresent(String.self, forKey: .concurrencyKey)
        unique = try c.decodeIfPresent(UniqueOptions.self, forKey: .unique)
    }

    /// Validates the request against its type's defaults and limits, and builds the job.
    /// Reports every problem at once, each naming its field.
    public func resolve(defaults: JobDefaults, now: Date) throws(ConveyorError) -> NewJob {
        var failures: [ValidationFailure] = []
        func check(_ ok: Bool, _ field: String, _ message: String) {
            if !ok { failures.append(ValidationFailure(field, message)) }
        }
        let queue = self.queue ?? defaults.queue
        check(Self.isValidName(queue), "queue", "must be 1–100 characters of letters, digits, '_', '-', '.' or ':'")
        let priority = self.priority ?? defaults.priority
        check((-1_000_000...1_000_000).contains(priority), "priority", "must be between -1000000 and 1000000")
        let maxAttempts = self.maxAttempts ?? defaults.maxAttempts
        check((1...1000).contains(maxAttempts), "max_attempts", "must be between 1 and 1000")
        let backoff = self.backoff ?? defaults.backoff
        do throws(ValidationFailure) { try backoff.validate() } catch { failures.append(error) }
        let timeout = self.timeoutSeconds ?? defaults.timeoutSeconds
        if let timeout {
            check(timeout > 0 && timeout <= 7 * 86400, "timeout_seconds", "must be > 0 and at most 604800 (7 days)")
        }
        check(!(runAt != nil && delaySeconds != nil), "delay_seconds", "give run_at or delay_seconds, not both")
        failures += StartHorizon.check(runAt: runAt, delaySeconds: delaySeconds, now: now)
        if let key = idempotencyKey {
            check(!key.isEmpty && key.utf8.count <= 255, "idempotency_key", "must be 1–255 bytes")
        }
        if let key = concurrencyKey {
            check(ConcurrencyKey.isValid(key), "concurrency_key", "must be 1–255 bytes without control characters")
        }
        let tags = self.tags ?? []
        check(tags.count <= 50, "tags", "at most 50 tags")
        for (i, tag) in tags.enumerated() {
            check(!tag.isEmpty && tag.utf8.count <= 100, "tags[\(i)]", "must be 1–100 bytes")
        }
        let tenant = self.tenant ?? "default"
        check(Self.isValidName(tenant), "tenant", "must be 1–100 characters of letters, digits, '_', '-', '.' or ':'")
        let metadata = self.metadata ?? .object([:])
        check(metadata.objectValue != nil, "metadata", "must be a JSON object")
        failures += NULCharacters.failures(in: self)
        if let unique { failures += unique.validate() }

        guard failures.isEmpty else { throw .invalid(failures) }
        let runAt = self.runAt ?? now.addingTimeInterval(delaySeconds ?? 0)
        return NewJob(
            type: type, queue: queue, priority: priority, payload: payload ?? .object([:]),
            runAt: runAt, maxAttempts: maxAttempts, backoff: backoff, timeoutSeconds: timeout,
            idempotencyKey: idempotencyKey, tags: tags, tenant: tenant, metadata: metadata, createdAt: now,
            concurrencyKey: concurrencyKey, unique: unique)
    }

    /// Queue and tenant names: short, printable, safe in URLs and metric labels.
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 100 else { return false }
        return name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == 0x5F || b == 0x2D || b == 0x2E || b == 0x3A
        }
    }
}

/// Refuses fields a DTO does not define, naming the first one found.
public enum UnknownKeys {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public static func reject(in decoder: Decoder, allowed: [String]) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        for key in c.allKeys where !allowed.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath + [key],
                    debugDescription: "unknown field; allowed fields are \(allowed.sorted().joined(separator: ", "))"))
        }
    }
}
