/// How one queue's worker pool runs.
public struct QueueWorkerConfiguration: Sendable, Hashable {
    public var queue: String
    /// Jobs run at once in this process.
    public var concurrency: Int
    /// The most jobs one claim takes.
    public var batchSize: Int
    /// How long a claim holds a job without a heartbeat.
    public var leaseDuration: Duration
    /// The backup poll when no wake-up arrives.
    public var pollInterval: Duration
    /// The least time between two claims, so a busy pool claims in batches.
    public var fetchCooldown: Duration
    /// How long running jobs may finish at shutdown before they are cancelled and put back.
    public var gracePeriod: Duration
    /// How long one store call (a claim, a heartbeat, a batch of outcomes) may take before
    /// the pool gives up on it and retries: a lost query must not stall the pool.
    public var storeTimeout: Duration
    /// Claims the pool keeps in flight at once, each bringing a share of the room; nil
    /// leaves it to the store (``JobClaimStore/claimsInFlight``).
    public var claimsInFlight: Int?

    public init(
        queue: String, concurrency: Int = 10, batchSize: Int? = nil, leaseDuration: Duration = .seconds(30),
        pollInterval: Duration = .seconds(1), fetchCooldown: Duration = .milliseconds(1),
        gracePeriod: Duration = .seconds(25), storeTimeout: Duration? = nil, claimsInFlight: Int? = nil
    ) {
        self.queue = queue
        self.concurrency = max(1, concurrency)
        self.batchSize = max(1, batchSize ?? min(concurrency, 200))
        self.leaseDuration = leaseDuration
        self.pollInterval = pollInterval
        self.fetchCooldown = fetchCooldown
        self.gracePeriod = gracePeriod
        // Past half a lease, waiting costs more than retrying: the lease is at risk.
        self.storeTimeout = storeTimeout ?? min(.seconds(15), leaseDuration / 2)
        self.claimsInFlight = claimsInFlight.map { max(1, $0) }
    }

    /// Heartbeats renew the lease three times per lease period, so one slow beat does not lose it.
    public var heartbeatInterval: Duration { leaseDuration / 3 }
}
