import Foundation
import Logging
import Metrics

/// The front door of the core: enqueueing, reading and acting on jobs. The HTTP
/// handlers and in-process Swift code both call it, so both get the same validation,
/// the same wake-ups and the same metrics.
///
/// Tenant isolation lives here too: every call that touches jobs takes an optional
/// ``Caller``. With one, a job of another tenant is "not found" and new jobs go to the
/// caller's tenant; without one (in-process Swift code) every tenant is visible.
public final class Conveyor: Sendable {
    /// The driver's stores, notifier and leader election.
    public let backend: Backend
    public let registry: JobRegistry
    public let clock: any ConveyorClock
    public let logger: Logger
    /// Whether writes lately failed for lack of space (`/readyz` reports it).
    public let writeHealth = StoreWriteHealth()
    let metrics: EngineMetrics
    /// Remote workers' long-poll claims waiting on this node.
    let claimWaiters: ClaimWaiters

    /// Tenants and API keys; nil when the deployment keeps none (then no tenant has limits).
    public var credentials: (any CredentialStore)? { backend.credentials }
    /// Wakes workers, here and (on PostgreSQL) on every node.
    public var notifier: any Notifier { backend.notifier }

    public init(
        backend: Backend, registry: JobRegistry, clock: any ConveyorClock = SystemClock(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory, logger: Logger = Logger(label: "conveyor"),
        maxQueues: Int = QueueNameBound.defaultLimit
    ) {
        self.backend = backend
        self.registry = registry
        self.clock = clock
        self.logger = logger
        self.metrics = EngineMetrics(factory: metricsFactory, queueNames: QueueNameBound(limit: maxQueues))
        self.claimWaiters = ClaimWaiters(notifier: backend.notifier)
    }

    /// A conveyor on one driver object, for in-process use and tests: a single node that
    /// leads alone.
    public convenience init(
        store: any StoreDriver, registry: JobRegistry, notifier: any Notifier = LocalNotifier(),
        clock: any ConveyorClock = SystemClock(), metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = Logger(label: "conveyor"), credentials: (any CredentialStore)? = nil,
        maxQueues: Int = QueueNameBound.defaultLimit
    ) {
        self.init(
            backend: Backend(driver: store, credentials: credentials, notifier: notifier), registry: registry, clock: clock,
            metricsFactory: metricsFactory, logger: logger, maxQueues: maxQueues)
    }

    // MARK: Enqueue

    /// Validates and inserts jobs in one transaction. Every request is checked before
    /// anything is written, so one bad job rejects the whole batch.
    ///
    /// With a `caller`, each job goes to the caller's tenant (an admin may name another;
    /// anyone else naming another is ``ConveyorError/Code/forbidden``), records the
    /// caller as `created_by`, and must fit its tenant's payload limit.
    public func enqueue(_ requests: [EnqueueRequest], as caller: Caller? = nil) async throws -> [InsertResult] {
        let now = clock.now()
        var jobs: [NewJob] = []
        jobs.reserveCapacity(requests.count)
        var failures: [ValidationFailure] = []
        let catalog = try await jobTypeCatalog(naming: requests.map(\.type))
        for (index, request) in requests.enumerated() {
            let prefix = requests.count == 1 ? "" : "jobs[\(index)]"
            var request = request
            if let caller {
                // Decided before validation: a forbidden tenant is refused outright,
                // not reported among field errors.
                request.tenant = try caller.tenant(forNew: request.tenant)
            }
            do {
                var job = try validate(request, catalog: catalog, now: now)
                job.createdBy = caller?.createdBy
                jobs.append(job)
            } catch let error as ConveyorError where error.code == .validation {
                failures += error.failures.map { prefix.isEmpty ? $0 : $0.nested(under: prefix) }
            }
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        try await admitQueues(jobs.enumerated().map { (requests.count == 1 ? "queue" : "jobs[\($0.offset)].queue", $0.element.queue) })
        try await prepareForStorage(&jobs, fieldPrefix: { requests.count == 1 ? "" : "jobs[\($0)]." })
        try await checkPayloadLimits(jobs, fieldPrefix: { requests.count == 1 ? "" : "jobs[\($0)]." })
        return try await insert(jobs)
    }

    /// Enqueues a typed job from Swift.
    @discardableResult
    public func enqueue<H: JobHandler>(
        _ handler: H.Type, _ payload: some Encodable & Sendable, configure: (inout EnqueueRequest) -> Void = { _ in }
    ) async throws -> Job {
        let json = try ConveyorJSON.decode(JSONValue.self, from: ConveyorJSON.encode(payload))
        var request = EnqueueRequest(type: H.type, payload: json)
        configure(&request)
        return try await enqueue([request])[0].job
    }

    private func validate(_ request: EnqueueRequest, catalog: JobTypeCatalog, now: Date) throws -> NewJob {
        guard let type = catalog.entry(request.type) else {
            throw ConveyorError.invalid([catalog.unknown(request.type, field: "type")])
        }
        let job = try request.resolve(defaults: type.defaults, now: now)
        let failures = type.check(job.payload)
        if !failures.isEmpty { throw ConveyorError.invalid(failures) }
        return job
    }

    /// Inserts already-validated jobs and wakes the workers of their queues.
    func insert(_ jobs: [NewJob]) async throws -> [InsertResult] {
        let results = try await backend.jobs.insertJobs(jobs)
        var queues: Set<EngineSignal> = []
        var counts: [String: [String: Int]] = [:]
        for result in results where result.disposition == .replaced && result.job.state == .queued {
            // A debounce that made its job due now (docs/unique-jobs.md).
            queues.insert(.jobsAvailable(queue: result.job.queue))
        }
        for result in results where result.created {
            queues.insert(.eventsAppended)
            if result.job.state == .queued { queues.insert(.jobsAvailable(queue: result.job.queue)) }
            counts[result.job.queue, default: [:]][result.job.type, default: 0] += 1
        }
        for (queue, types) in counts {
            for (type, count) in types { metrics.enqueued(queue: queue, type: type, count: count) }
        }
        if !queues.isEmpty { await notifier.notify(queues) }
        return results
    }

    // MARK: Read

    /// The job, or ``ConveyorError/Code/notFound`` when there is none or it belongs to a
    /// tenant the caller may not see; the two answers are identical.
    public func job(id: String, as caller: Caller? = nil) async throws -> Job {
        guard let job = try await backend.jobs.job(id: id), caller?.canAccess(tenant: job.tenant) ?? true else {
            throw ConveyorError.notFound(job: id)
        }
        return job
    }

    /// Lists jobs. A caller that is not admin sees only its own tenant's jobs.
    public func listJobs(_ query: JobQuery, as caller: Caller? = nil) async throws -> JobPage {
        try await backend.jobs.listJobs(try scoped(query, to: caller))
    }

    public func queueStats() async throws -> [QueueStats] {
        try await backend.jobs.queueStats(now: clock.now())
    }

    // MARK: Act

    /// Cancels a waiting job at once; asks a running one to stop. A finished job is a conflict.
    public func cancel(id: String, as caller: Caller? = nil) async throws -> CancelResult {
        try await checkAccess(toJob: id, as: caller)
        let result = try await backend.jobs.cancelJob(id: id, now: clock.now())
        switch result {
        case .requested: await notifier.notify([.cancelRequested(jobID: id)])
        case .cancelled: await notifier.notify([.eventsAppended])
        }
        return result
    }

    /// Re-queues a `failed` or `cancelled` job with a fresh set of attempts.
    public func retry(id: String, as caller: Caller? = nil) async throws -> Job {
        try await checkAccess(toJob: id, as: caller)
        let job = try await backend.jobs.retryJob(id: id, now: clock.now())
        await notifier.notify([.jobsAvailable(queue: job.queue)])
        return job
    }

    /// Creates a new job from a finished one, linked by `rerun_of`. `payloadPatch` is
    /// merged into the original payload (RFC 7396). The new job keeps the original's
    /// queue, options, tags, metadata and concurrency key.
    public func rerun(id: String, payloadPatch: JSONValue?, as caller: Caller? = nil) async throws -> Job {
        if let payloadPatch { try NULCharacters.check(payloadPatch, under: "payload.payload") }
        let original = try await job(id: id, as: caller)
        guard original.state.isFinal else {
            throw ConveyorError(
                .conflict,
                "Job \(id) is \(original.state.rawValue); only a finished job (succeeded, failed or cancelled) can be re-run. Cancel it first, or wait for it to finish.")
        }
        let now = clock.now()
        let payload = payloadPatch.map { original.payload.merging(patch: $0) } ?? original.payload
        if let type = try await jobTypeCatalog(naming: [original.type]).entry(original.type) {
            let failures = type.check(payload)
            if !failures.isEmpty { throw ConveyorError.invalid(failures.map { $0.nested(under: "payload") }) }
        }
        var job = NewJob(
            type: original.type, queue: original.queue, priority: original.priority, payload: payload, runAt: now,
            maxAttempts: original.maxAttempts, backoff: original.backoff, timeoutSeconds: original.timeoutSeconds,
            tags: original.tags, tenant: original.tenant, metadata: original.metadata, createdAt: now,
            rerunOf: original.id, createdBy: caller?.createdBy,
            // The original's key, so the re-run counts against the same caps and breakers.
            concurrencyKey: original.concurrencyKey)
        // The merged payload goes through the handler's preparation like a new one, so an
        // override of a sensitive value is sealed too (the body nests it under `payload`).
        var prepared = [job]
        try await prepareForStorage(&prepared, fieldPrefix: { _ in "payload." })
        job = prepared[0]
        try await checkPayloadLimits([job], fieldPrefix: { _ in "the re-run job's " })
        return try await insert([job])[0].job
    }

    public func editMetadata(id: String, patch: JSONValue, as caller: Caller? = nil) async throws -> Job {
        guard patch.objectValue != nil else {
            throw ConveyorError.invalid([ValidationFailure("payload", "must be a JSON object of metadata fields to merge")])
        }
        try NULCharacters.check(patch, under: "payload")
        try await checkAccess(toJob: id, as: caller)
        return try await backend.jobs.mergeMetadata(id: id, patch: patch)
    }

    /// The job options of the Swift handlers alone; ``jobOptions(queues:)`` adds the declared types.
    func registeredJobOptions(queues: [String]) -> JobOptions {
        let types = registry.handlers.values.sorted { $0.type < $1.type }.map {
            JobOptions.JobType(type: $0.type, defaults: $0.defaults)
        }
        let allQueues = Set(queues).union(types.map(\.defaults.queue)).sorted()
        return JobOptions(
            jobTypes: types, queues: allQueues,
            actions: [
                .init(type: "rerun", description: "Create a new job from a finished one; payload overrides fields of its payload.", states: [.succeeded, .failed, .cancelled]),
                .init(type: "cancel", description: "Cancel a waiting job, or stop a running one.", states: [.scheduled, .queued, .running, .retrying]),
                .init(type: "edit_metadata", description: "Merge payload into the job's metadata; null removes a key.", states: JobState.allCases),
            ],
            states: JobState.allCases)
    }
}

extension AnyJobHandler {
    /// Checks at enqueue time that a payload decodes as this handler's payload, so a bad
    /// payload is a 422 now rather than a failed job later.
    func validate(_ payload: JSONValue) -> ValidationFailure? {
        do {
            try decodePayload(ConveyorJSON.encode(payload))
            return nil
        } catch {
            let field = DecodingErrorDescription.fieldPath(error).map { "payload.\($0)" } ?? "payload"
            return ValidationFailure(field, DecodingErrorDescription.describe(error))
        }
    }
}
