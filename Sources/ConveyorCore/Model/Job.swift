import Foundation

/// A job as the store keeps it and as every surface (API, client, events) shows it.
public struct Job: Codable, Sendable, Hashable {
    public var id: String
    public var type: String
    public var queue: String
    public var state: JobState
    public var priority: Int
    public var payload: JSONValue
    public var runAt: Date
    /// The number of attempts started so far; the current one while running. It is also
    /// the fencing token of a claim.
    public var attempt: Int
    public var maxAttempts: Int
    public var backoff: BackoffPolicy
    public var timeoutSeconds: Double?
    public var idempotencyKey: String?
    public var tags: [String]
    public var tenant: String
    public var metadata: JSONValue
    public var errors: [AttemptError]
    public var result: JSONValue?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var cancelRequested: Bool
    public var workflowID: String?
    public var step: String?
    /// The job this one re-runs, for jobs made by the `rerun` action.
    public var rerunOf: String?
    /// Who enqueued it: a JWT's `sub`, `key:<id>` for an API key, `dev` in dev mode; nil
    /// for jobs enqueued from Swift in process.
    public var createdBy: String?
    /// What per-key concurrency caps, rate limits, fairness and circuit breakers count
    /// this job under (see docs/flow-control.md), within its tenant. The tenant unless the
    /// job names one. Stores pass the stored form; this is the key as given.
    public var concurrencyKey: String
    /// The ``UniqueOptions/key`` it was enqueued with; nil for jobs enqueued without `unique`.
    public var uniqueKey: String?

    enum CodingKeys: String, CodingKey {
        case id, type, queue, state, priority, payload, attempt, backoff, tags, tenant, metadata, errors, result, step
        case runAt = "run_at"
        case maxAttempts = "max_attempts"
        case timeoutSeconds = "timeout_seconds"
        case idempotencyKey = "idempotency_key"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case leaseOwner = "lease_owner"
        case leaseExpiresAt = "lease_expires_at"
        case cancelRequested = "cancel_requested"
        case workflowID = "workflow_id"
        case rerunOf = "rerun_of"
        case createdBy = "created_by"
        case concurrencyKey = "concurrency_key"
        case uniqueKey = "unique_key"
    }

    public init(
        id: String, type: String, queue: String, state: JobState, priority: Int, payload: JSONValue,
        runAt: Date, attempt: Int, maxAttempts: Int, backoff: BackoffPolicy, timeoutSeconds: Double?,
        idempotencyKey: String?, tags: [String], tenant: String, metadata: JSONValue, errors: [AttemptError],
        result: JSONValue?, createdAt: Date, startedAt: Date?, finishedAt: Date?, leaseOwner: String?,
        leaseExpiresAt: Date?, cancelRequested: Bool, workflowID: String?, step: String?, rerunOf: String?,
        createdBy: String? = nil, concurrencyKey: String? = nil, uniqueKey: String? = nil
    ) {
        self.id = id
        self.type = type
        self.queue = queue
        self.state = state
        self.priority = priority
        self.payload = payload
        self.runAt = runAt
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.timeoutSeconds = timeoutSeconds
        self.idempotencyKey = idempotencyKey
        self.tags = tags
        self.tenant = tenant
        self.metadata = metadata
        self.errors = errors
        self.result = result
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.cancelRequested = cancelRequested
        self.workflowID = workflowID
        self.step = step
        self.rerunOf = rerunOf
        self.createdBy = createdBy
        self.concurrencyKey = concurrencyKey.map(ConcurrencyKey.shown) ?? tenant
        self.uniqueKey = uniqueKey
    }

    public func encode(to encoder: Encoder) throws {
        // Explicit so optional fields appear as null: clients can rely on every key.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(queue, forKey: .queue)
        try c.encode(state, forKey: .state)
        try c.encode(priority, forKey: .priority)
        try c.encode(payload, forKey: .payload)
        try c.encode(runAt, forKey: .runAt)
        try c.encode(attempt, forKey: .attempt)
        try c.encode(maxAttempts, forKey: .maxAttempts)
        try c.encode(backoff, forKey: .backoff)
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try c.encode(idempotencyKey, forKey: .idempotencyKey)
        try c.encode(tags, forKey: .tags)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(errors, forKey: .errors)
        try c.encode(result, forKey: .result)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(leaseOwner, forKey: .leaseOwner)
        try c.encode(leaseExpiresAt, forKey: .leaseExpiresAt)
        try c.encode(cancelRequested, forKey: .cancelRequested)
        try c.encode(concurrencyKey, forKey: .concurrencyKey)
        try c.encode(workflowID, forKey: .workflowID)
        try c.encode(step, forKey: .step)
        try c.encode(rerunOf, forKey: .rerunOf)
        try c.encode(createdBy, forKey: .createdBy)
        try c.encode(uniqueKey, forKey: .uniqueKey)
    }
}
