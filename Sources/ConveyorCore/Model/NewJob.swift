import Foundation

/// A validated job, ready to insert. Built from an ``EnqueueRequest`` or by the engine
/// (re-runs, and later workflows and schedules).
public struct NewJob: Sendable, Hashable {
    public var id: String
    public var type: String
    public var queue: String
    public var priority: Int
    public var payload: JSONValue
    public var runAt: Date
    public var maxAttempts: Int
    public var backoff: BackoffPolicy
    public var timeoutSeconds: Double?
    public var idempotencyKey: String?
    public var tags: [String]
    public var tenant: String
    public var metadata: JSONValue
    public var createdAt: Date
    public var workflowID: String?
    public var step: String?
    public var rerunOf: String?
    /// Who enqueued it (see ``Job/createdBy``); set from the caller, never from the body.
    public var createdBy: String?
    /// See ``Job/concurrencyKey``; nil means the tenant.
    public var concurrencyKey: String?
    /// At most one job per key while one holds it (see ``UniqueOptions``); stored as the
    /// job's `unique_key`. Nil: the plain insert.
    public var unique: UniqueOptions?

    /// The key the job is stored under, scoped to its tenant (``ConcurrencyKey``).
    public var resolvedConcurrencyKey: String { ConcurrencyKey.stored(tenant: tenant, key: concurrencyKey) }

    public init(
        id: String? = nil, type: String, queue: String = "default", priority: Int = 0,
        payload: JSONValue = .object([:]), runAt: Date, maxAttempts: Int = 3, backoff: BackoffPolicy = .default,
        timeoutSeconds: Double? = nil, idempotencyKey: String? = nil, tags: [String] = [],
        tenant: String = "default", metadata: JSONValue = .object([:]), createdAt: Date,
        workflowID: String? = nil, step: String? = nil, rerunOf: String? = nil,
        createdBy: String? = nil, concurrencyKey: String? = nil, unique: UniqueOptions? = nil
    ) {
        // The id carries the creation time, so it comes from the same clock as `createdAt`.
        self.id = id ?? JobID.make(at: createdAt)
        self.type = type
        self.queue = queue
        self.priority = priority
        self.payload = payload
        self.runAt = runAt.truncatedToMilliseconds
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.timeoutSeconds = timeoutSeconds
        self.idempotencyKey = idempotencyKey
        self.tags = tags
        self.tenant = tenant
        self.metadata = metadata
        self.createdAt = createdAt.truncatedToMilliseconds
        self.workflowID = workflowID
        self.step = step
        self.rerunOf = rerunOf
        self.createdBy = createdBy
        self.concurrencyKey = concurrencyKey
        self.unique = unique
    }

    /// A job due later starts `scheduled`; one due now is `queued` at once.
    public var initialState: JobState { runAt > createdAt ? .scheduled : .queued }
}
