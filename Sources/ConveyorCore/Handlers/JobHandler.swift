import Foundation
import Logging

/// A typed job handler. Registering one makes its ``type`` available to the API.
///
/// ```swift
/// struct SendEmail: JobHandler {
///     struct Payload: Codable, Sendable { var to: String }
///     static let type = "send_email"
///     func run(_ payload: Payload, context: JobContext) async throws -> String { ... }
/// }
/// ```
/// Throw any error to retry with backoff, ``JobControl/fail(_:)`` to fail now,
/// ``JobControl/retry(after:reason:)`` to retry at a given time, or
/// ``JobControl/snooze(_:)`` to run later without spending an attempt. The handler runs
/// in a Swift `Task` that is cancelled when the job is cancelled or times out.
public protocol JobHandler: Sendable {
    associatedtype Payload: Decodable & Sendable
    associatedtype Output: Encodable & Sendable = JSONValue?

    static var type: String { get }
    /// Defaults for jobs of this type when the request leaves them out.
    static var defaults: JobDefaults { get }

    func run(_ payload: Payload, context: JobContext) async throws -> Output

    /// The payload to store for a job, given the one submitted, which has decoded as
    /// ``Payload``. Everything that reads jobs back (the API, events, webhooks) shows the
    /// stored payload, so a handler whose payload carries credentials replaces them here,
    /// e.g. with values sealed by ``TenantSecrets/seal(_:purpose:)``, and recovers them in
    /// ``run(_:context:)``. Runs on every write of a payload: enqueue, re-run (on the
    /// merged payload, so it must accept its own output) and workflow steps.
    ///
    /// Throw a ``ValidationFailure`` whose field is relative to the payload to refuse it
    /// (a 422). The default stores the payload as submitted.
    func prepareForStorage(_ payload: JSONValue, secrets: TenantSecrets) async throws -> JSONValue

    /// Checks a decoded payload at enqueue time, beyond what decoding checks, so a job
    /// that cannot run is a 422 now rather than a failed job later. Throw a
    /// `DecodingError` whose coding path names the field. Does nothing by default.
    func validate(_ payload: Payload) throws
}

extension JobHandler {
    public static var defaults: JobDefaults { JobDefaults() }

    public func validate(_ payload: Payload) throws {}

    public func prepareForStorage(_ payload: JSONValue, secrets: TenantSecrets) async throws -> JSONValue { payload }
}

/// Per-type defaults, shown by `GET /v1/config/job-options`.
public struct JobDefaults: Codable, Sendable, Hashable {
    public var queue: String
    public var priority: Int
    public var maxAttempts: Int
    public var backoff: BackoffPolicy
    public var timeoutSeconds: Double?
    /// Counts this type's failures per concurrency key and stops running it for a key
    /// that keeps failing; nil for no breaker.
    public var circuitBreaker: CircuitBreakerPolicy?

    enum CodingKeys: String, CodingKey {
        case queue, priority, backoff
        case maxAttempts = "max_attempts"
        case timeoutSeconds = "timeout_seconds"
        case circuitBreaker = "circuit_breaker"
    }

    public init(
        queue: String = "default", priority: Int = 0, maxAttempts: Int = 3, backoff: BackoffPolicy = .default,
        timeoutSeconds: Double? = nil, circuitBreaker: CircuitBreakerPolicy? = nil
    ) {
        self.circuitBreaker = circuitBreaker
        self.queue = queue
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.timeoutSeconds = timeoutSeconds
    }
}

/// What a handler knows about the attempt it runs.
public struct JobContext: Sendable {
    public var id: String
    public var type: String
    public var queue: String
    public var attempt: Int
    public var maxAttempts: Int
    public var tenant: String
    /// The key caps, rate limits and breakers count this job under.
    public var concurrencyKey: String
    /// The job's tenant's secrets (named secrets, sealing, the signing secret); nil when
    /// the store keeps none.
    public var secrets: TenantSecrets?
    /// When this attempt's lease runs out; nil outside a worker (tests, direct calls).
    public var lease: LeaseDeadline?
    private let baseLogger: Logger

    public init(
        id: String, type: String, queue: String = "default", attempt: Int = 1, maxAttempts: Int = 3,
        tenant: String = "default", concurrencyKey: String? = nil, logger: Logger = Logger(label: "conveyor.job"),
        secrets: TenantSecrets? = nil, lease: LeaseDeadline? = nil
    ) {
        self.secrets = secrets
        self.lease = lease
        self.concurrencyKey = concurrencyKey ?? tenant
        self.id = id
        self.type = type
        self.queue = queue
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.tenant = tenant
        self.baseLogger = logger
    }

    /// Throws ``LeaseExpiredError`` when the attempt's lease has run out by this worker's
    /// clock. Call it right before a side effect another node must not repeat: the job may
    /// be running elsewhere already. The engine drops such an attempt without an outcome.
    public func checkLease() throws {
        if let lease, lease.hasExpired { throw LeaseExpiredError(jobID: id) }
    }

    /// A logger that tags every line with the job's id, type and attempt. Made on use:
    /// setting metadata costs more than running a small job.
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "job_id"] = "\(id)"
        logger[metadataKey: "job_type"] = "\(type)"
        logger[metadataKey: "attempt"] = "\(attempt)"
        return logger
    }
}

/// Control flow a handler throws to decide what happens to its job.
public enum JobControl: Error, Sendable {
    /// Fail now, with no further attempt: the job goes to `failed`.
    case fail(String)
    /// This attempt failed; run the next one after `after`, not after the backoff.
    case retry(after: Duration, reason: String)
    /// Run again after `duration` without spending an attempt (e.g. an upstream asked us to wait).
    case snooze(Duration)
    /// An upstream limited us (an HTTP 429, say): run again after `retryAfter` without
    /// spending an attempt. With `pauseKey`, no job of the same queue and concurrency key
    /// starts before then either.
    case rateLimited(retryAfter: Duration, pauseKey: Bool)
}
