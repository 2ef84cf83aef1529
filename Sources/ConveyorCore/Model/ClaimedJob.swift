import Foundation

/// What a worker receives when it claims a job: just enough to run it and to write
/// its outcome. The payload stays raw JSON so typed handlers decode it once.
public struct ClaimedJob: Sendable {
    public var id: String
    public var type: String
    public var queue: String
    public var payload: Data
    /// The attempt this claim started; the fencing token for every later write.
    public var attempt: Int
    public var maxAttempts: Int
    public var backoff: BackoffPolicy
    public var timeoutSeconds: Double?
    public var tenant: String
    public var runAt: Date
    public var createdAt: Date
    /// See ``Job/concurrencyKey``.
    public var concurrencyKey: String

    public init(
        id: String, type: String, queue: String, payload: Data, attempt: Int, maxAttempts: Int,
        backoff: BackoffPolicy, timeoutSeconds: Double?, tenant: String, runAt: Date, createdAt: Date,
        concurrencyKey: String? = nil
    ) {
        self.concurrencyKey = concurrencyKey ?? tenant
        self.id = id
        self.type = type
        self.queue = queue
        self.payload = payload
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.timeoutSeconds = timeoutSeconds
        self.tenant = tenant
        self.runAt = runAt
        self.createdAt = createdAt
    }

    public var lease: LeaseKey { LeaseKey(id: id, attempt: attempt) }
}

/// A job and the attempt that holds it: the fence a late write from a dead worker fails.
public struct LeaseKey: Hashable, Sendable {
    public var id: String
    public var attempt: Int

    public init(id: String, attempt: Int) {
        self.id = id
        self.attempt = attempt
    }
}
