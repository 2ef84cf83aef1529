import Foundation

// The requests of the pull protocol for remote workers (docs/workers.md). Each refuses
// fields it does not know, so a typo is a 422 rather than a silently ignored option.

/// `POST /v1/workers`: a worker process introduces itself.
public struct RegisterWorkerRequest: Codable, Sendable, Hashable {
    public var name: String
    /// Queue name to the most jobs the worker runs from it at once.
    public var queues: [String: Int]
    public var labels: [String: String]?
    /// The SDK and its version, such as `conveyor-ts/0.1.0`.
    public var sdk: String?
    public var host: String?
    /// How long a claim holds a job without a heartbeat; the server's default when nil.
    public var leaseSeconds: Double?
    /// Job types the worker runs, declared so they can be enqueued before it is online.
    /// A type already declared keeps its declaration.
    public var jobTypes: [JobTypeRequest]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, queues, labels, sdk, host
        case leaseSeconds = "lease_seconds"
        case jobTypes = "job_types"
    }

    public init(
        name: String, queues: [String: Int], labels: [String: String]? = nil, sdk: String? = nil, host: String? = nil,
        leaseSeconds: Double? = nil, jobTypes: [JobTypeRequest]? = nil
    ) {
        self.name = name
        self.queues = queues
        self.labels = labels
        self.sdk = sdk
        self.host = host
        self.leaseSeconds = leaseSeconds
        self.jobTypes = jobTypes
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        queues = try c.decode([String: Int].self, forKey: .queues)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
        sdk = try c.decodeIfPresent(String.self, forKey: .sdk)
        host = try c.decodeIfPresent(String.self, forKey: .host)
        leaseSeconds = try c.decodeIfPresent(Double.self, forKey: .leaseSeconds)
        jobTypes = try c.decodeIfPresent([JobTypeRequest].self, forKey: .jobTypes)
    }
}

/// `POST /v1/workers/{id}/claim`: up to `limit` jobs of `queue`, waiting up to
/// `wait_seconds` for one to be due.
public struct WorkerClaimRequest: Codable, Sendable, Hashable {
    public var queue: String
    public var limit: Int?
    public var waitSeconds: Double?

    /// The longest a claim waits: under common proxies' idle timeouts.
    public static let maxWaitSeconds = 30.0
    public static let maxLimit = 1000

    enum CodingKeys: String, CodingKey, CaseIterable {
        case queue, limit
        case waitSeconds = "wait_seconds"
    }

    public init(queue: String, limit: Int? = nil, waitSeconds: Double? = nil) {
        self.queue = queue
        self.limit = limit
        self.waitSeconds = waitSeconds
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queue = try c.decode(String.self, forKey: .queue)
        limit = try c.decodeIfPresent(Int.self, forKey: .limit)
        waitSeconds = try c.decodeIfPresent(Double.self, forKey: .waitSeconds)
    }
}

/// `POST /v1/workers/{id}/heartbeat`: the lease tokens of every job the worker holds.
public struct WorkerHeartbeatRequest: Codable, Sendable, Hashable {
    public var jobs: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case jobs
    }

    public init(jobs: [String]) {
        self.jobs = jobs
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        jobs = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent([String].self, forKey: .jobs) ?? []
    }
}

/// How an attempt ended, as a remote worker reports it: the body of `POST
/// /v1/jobs/{id}/complete`, `…/fail` and `…/snooze` (where `outcome` and `job_id` come from
/// the path), and each entry of `POST /v1/workers/{id}/outcomes`.
public struct WorkerOutcomeRequest: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        case complete, fail, snooze
    }

    /// Why an attempt failed.
    public struct Failure: Codable, Sendable, Hashable {
        public var message: String
        /// A category for filtering, such as the error's class name.
        public var type: String?
        /// False fails the job for good, with no further attempt. Default true.
        public var retryable: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case message, type, retryable
        }

        public init(message: String, type: String? = nil, retryable: Bool? = nil) {
            self.message = message
            self.type = type
            self.retryable = retryable
        }

        public init(from decoder: Decoder) throws {
            try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            message = try c.decode(String.self, forKey: .message)
            type = try c.decodeIfPresent(String.self, forKey: .type)
            retryable = try c.decodeIfPresent(Bool.self, forKey: .retryable)
        }
    }

    public var jobID: String?
    public var outcome: Kind?
    public var lease: String
    /// `complete`: the job's result.
    public var result: JSONValue?
    /// `fail`: what went wrong.
    public var error: Failure?
    /// `fail`: the next attempt's delay, instead of the job's backoff.
    public var retryAfterSeconds: Double?
    /// `snooze`: how long to wait before running the job again; spends no attempt.
    public var seconds: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case outcome, lease, result, error, seconds
        case jobID = "job_id"
        case retryAfterSeconds = "retry_after_seconds"
    }

    public init(
        jobID: String? = nil, outcome: Kind? = nil, lease: String, result: JSONValue? = nil, error: Failure? = nil,
        retryAfterSeconds: Double? = nil, seconds: Double? = nil
    ) {
        self.jobID = jobID
        self.outcome = outcome
        self.lease = lease
        self.result = result
        self.error = error
        self.retryAfterSeconds = retryAfterSeconds
        self.seconds = seconds
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        jobID = try c.decodeIfPresent(String.self, forKey: .jobID)
        outcome = try c.decodeIfPresent(Kind.self, forKey: .outcome)
        lease = try c.decode(String.self, forKey: .lease)
        result = try c.decodeIfPresent(JSONValue.self, forKey: .result)
        error = try c.decodeIfPresent(Failure.self, forKey: .error)
        retryAfterSeconds = try c.decodeIfPresent(Double.self, forKey: .retryAfterSeconds)
        seconds = try c.decodeIfPresent(Double.self, forKey: .seconds)
    }
}

/// `POST /v1/workers/{id}/outcomes`: many outcomes in one call, answered one by one.
public struct WorkerOutcomeBatchRequest: Codable, Sendable, Hashable {
    public var outcomes: [WorkerOutcomeRequest]

    public static let maxOutcomes = 1000

    enum CodingKeys: String, CodingKey, CaseIterable {
        case outcomes
    }

    public init(outcomes: [WorkerOutcomeRequest]) {
        self.outcomes = outcomes
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        outcomes = try decoder.container(keyedBy: CodingKeys.self).decode([WorkerOutcomeRequest].self, forKey: .outcomes)
    }
}
