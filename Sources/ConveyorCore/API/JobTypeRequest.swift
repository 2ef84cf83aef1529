import Foundation

/// A job type's declaration for remote workers: the body of `PUT /v1/job-types/{type}`,
/// and each entry of a worker registration's `job_types` (which also names the `type`).
/// Every field but `type` is optional; what is left out takes ``JobDefaults``' default.
public struct JobTypeRequest: Codable, Sendable, Hashable {
    public var type: String?
    public var queue: String?
    public var priority: Int?
    public var maxAttempts: Int?
    public var backoff: BackoffPolicy?
    public var timeoutSeconds: Double?
    /// A JSON Schema every payload of this type must meet at enqueue.
    public var payloadSchema: JSONValue?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, queue, priority, backoff
        case maxAttempts = "max_attempts"
        case timeoutSeconds = "timeout_seconds"
        case payloadSchema = "payload_schema"
    }

    public init(
        type: String? = nil, queue: String? = nil, priority: Int? = nil, maxAttempts: Int? = nil,
        backoff: BackoffPolicy? = nil, timeoutSeconds: Double? = nil, payloadSchema: JSONValue? = nil
    ) {
        self.type = type
        self.queue = queue
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.timeoutSeconds = timeoutSeconds
        self.payloadSchema = payloadSchema
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type)
        queue = try c.decodeIfPresent(String.self, forKey: .queue)
        priority = try c.decodeIfPresent(Int.self, forKey: .priority)
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts)
        backoff = try c.decodeIfPresent(BackoffPolicy.self, forKey: .backoff)
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds)
        payloadSchema = try c.decodeIfPresent(JSONValue.self, forKey: .payloadSchema)
    }

    /// The declaration, or every problem with it, named under `prefix` (`job_types[0].`).
    /// `queue` falls back to `defaultQueue` (a worker's only queue) and then to `default`.
    public func resolve(
        type: String, defaultQueue: String?, declaredBy: String, now: Date, prefix: String = ""
    ) throws(ConveyorError) -> DeclaredJobType {
        var failures: [ValidationFailure] = []
        func check(_ ok: Bool, _ field: String, _ message: String) {
            if !ok { failures.append(ValidationFailure(prefix + field, message)) }
        }
        check(Self.isValidType(type), "type", "must be 1–200 bytes of letters, digits, '_', '-', '.' or ':'")
        let defaults = JobDefaults()
        let queue = self.queue ?? defaultQueue ?? defaults.queue
        check(EnqueueRequest.isValidName(queue), "queue", "must be 1–100 characters of letters, digits, '_', '-', '.' or ':'")
        let priority = self.priority ?? defaults.priority
        check((-1_000_000...1_000_000).contains(priority), "priority", "must be between -1000000 and 1000000")
        let maxAttempts = self.maxAttempts ?? defaults.maxAttempts
        check((1...1000).contains(maxAttempts), "max_attempts", "must be between 1 and 1000")
        let backoff = self.backoff ?? defaults.backoff
        do throws(ValidationFailure) { try backoff.validate() } catch {
            failures.append(ValidationFailure(prefix + error.field, error.message))
        }
        if let timeoutSeconds {
            check(timeoutSeconds > 0 && timeoutSeconds <= 7 * 86400, "timeout_seconds", "must be > 0 and at most 604800 (7 days)")
        }
        if let payloadSchema {
            do throws(ConveyorError) {
                _ = try JSONSchema(payloadSchema, path: prefix + "payload_schema")
            } catch {
                failures += error.failures
            }
        }
        guard failures.isEmpty else { throw .invalid(failures) }
        return DeclaredJobType(
            type: type,
            defaults: JobDefaults(
                queue: queue, priority: priority, maxAttempts: maxAttempts, backoff: backoff, timeoutSeconds: timeoutSeconds),
            payloadSchema: payloadSchema, declaredBy: declaredBy, updatedAt: now)
    }

    /// Job type names: what a handler's `type` may be, with room for namespaces.
    public static func isValidType(_ type: String) -> Bool {
        guard !type.isEmpty, type.utf8.count <= 200 else { return false }
        return type.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "_-.:".unicodeScalars.contains(scalar))
        }
    }
}

/// A declared job type as the API shows it.
public struct JobTypeInfo: Codable, Sendable, Hashable {
    public var type: String
    public var defaults: JobDefaults
    public var payloadSchema: JSONValue?
    public var declaredBy: String
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case type, defaults
        case payloadSchema = "payload_schema"
        case declaredBy = "declared_by"
        case updatedAt = "updated_at"
    }

    public init(_ declared: DeclaredJobType) {
        type = declared.type
        defaults = declared.defaults
        payloadSchema = declared.payloadSchema
        declaredBy = declared.declaredBy
        updatedAt = declared.updatedAt
    }
}

/// The answer of `GET /v1/job-types`.
public struct JobTypeList: Codable, Sendable, Hashable {
    public var jobTypes: [JobTypeInfo]

    enum CodingKeys: String, CodingKey {
        case jobTypes = "job_types"
    }

    public init(jobTypes: [JobTypeInfo]) {
        self.jobTypes = jobTypes
    }
}
