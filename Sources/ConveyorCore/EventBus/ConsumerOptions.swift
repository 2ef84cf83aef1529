/// How a durable consumer delivers its group's events.
public struct ConsumerOptions: Sendable {
    /// Deliveries of one event before it goes to the group's dead letters.
    public var maxAttempts: Int
    /// The wait between attempts of one event.
    public var backoff: BackoffPolicy
    /// Events read from the log per step. The cursor is committed after each step.
    public var batchSize: Int
    /// Keys handled at once. Events with the same key are always handled one at a time, in order.
    public var concurrency: Int
    /// Where a new group starts; an existing group continues from its cursor.
    public var start: GroupRegistration.Start
    /// Only this tenant's events; nil for every tenant (in-process code is trusted).
    public var tenant: String?
    /// How long the group's lease lasts without a renewal. A consumer that dies is
    /// replaced after at most this long; renewals come three times per period.
    public var leaseDuration: Duration
    /// The backup poll, when no wake-up arrives from the notifier.
    public var pollInterval: Duration
    /// Names this consumer in the group's lease; unique per consumer by default. Two
    /// consumers given the same owner would share the lease, and both deliver.
    public var owner: String

    public init(
        maxAttempts: Int = 5, backoff: BackoffPolicy = .exponential(baseSeconds: 1, maxSeconds: 300, jitter: true),
        batchSize: Int = 100, concurrency: Int = 8, start: GroupRegistration.Start = .latest, tenant: String? = nil,
        leaseDuration: Duration = .seconds(15), pollInterval: Duration = .milliseconds(500),
        owner: String = ConveyorEngine.defaultOwner()
    ) {
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.batchSize = batchSize
        self.concurrency = concurrency
        self.start = start
        self.tenant = tenant
        self.leaseDuration = leaseDuration
        self.pollInterval = pollInterval
        self.owner = owner
    }

    func validate() throws(ConveyorError) {
        var failures: [ValidationFailure] = []
        if !(1...1000).contains(maxAttempts) { failures.append(ValidationFailure("maxAttempts", "must be between 1 and 1000")) }
        do throws(ValidationFailure) { try backoff.validate() } catch { failures.append(error) }
        if !(1...1000).contains(batchSize) { failures.append(ValidationFailure("batchSize", "must be between 1 and 1000")) }
        if concurrency < 1 { failures.append(ValidationFailure("concurrency", "must be at least 1")) }
        if leaseDuration < .milliseconds(30) { failures.append(ValidationFailure("leaseDuration", "must be at least 30 ms")) }
        guard failures.isEmpty else { throw .invalid(failures) }
    }
}
