import Foundation
import Logging
import ServiceLifecycle
import Tracing

/// One queue's worker pool: claims jobs in batches, runs them under a lease with a
/// heartbeat, and writes their outcomes in batches.
///
/// A single loop owns all the pool's state: the running jobs, the outcomes waiting to
/// be written, the flags. Everything else (job tasks, the poll, the notifier, the
/// heartbeat, writes) talks to it through one event stream, so nothing is shared and
/// nothing needs a lock. At shutdown it stops claiming, lets running jobs finish
/// within the grace period, then cancels the rest, whose outcome is `released`: back
/// to `queued` with the attempt refunded. It returns once every outcome is written.
final class QueueWorker: Sendable {
    private enum Event: Sendable {
        case wake
        case cooldownElapsed
        case finished(LeaseKey, Result<JSONValue?, any Error>)
        case stop(LeaseKey, StopReason)
        case cancelJob(id: String)
        case heartbeatDue
        /// The leases were extended to `until`, but for those the report says are lost.
        case heartbeatDone(LeaseReport?, until: Date)
        /// A batch of outcomes written on its own.
        case written
        /// A claim came back: the jobs, or nil when the store failed. `wrote`: it carried a
        /// batch of outcomes, now written.
        case claimed([ClaimedJob]?, limit: Int, until: Date, wrote: Bool)
        case shutdown
        case graceExpired
        /// The task was cancelled: stop at once, but still hand running jobs back.
        case hardStop
        /// Handlers that ignore cancellation are left behind; their leases expire and
        /// the lease reaper puts their jobs back.
        case abandon
    }

    /// How long cancelled handlers get to return before the pool stops waiting for them.
    static let abandonAfter: Duration = .seconds(10)

    let configuration: QueueWorkerConfiguration
    let owner: String
    private let store: any JobClaimStore
    private let secrets: any SecretStore
    private let registry: JobRegistry
    private let notifier: any Notifier
    private let clock: any ConveyorClock
    private let metrics: EngineMetrics
    private let logger: Logger

    init(
        configuration: QueueWorkerConfiguration, owner: String, store: any JobClaimStore, secrets: any SecretStore,
        registry: JobRegistry,
        notifier: any Notifier, clock: any ConveyorClock, metrics: EngineMetrics, logger: Logger
    ) {
        self.configuration = configuration
        self.owner = owner
        self.store = store
        self.secrets = secrets
        self.registry = registry
        self.notifier = notifier
        self.clock = clock
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "queue"] = "\(configuration.queue)"
        self.logger = logger
    }

    func run() async {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let signals = await notifier.subscribe()
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    group.addTask { await self.poll(continuation) }
                    group.addTask { await self.listen(signals, continuation) }
                    group.addTask { await self.tickHeartbeat(continuation) }
                    // Claim at once: queued work must not wait for the first poll tick.
                    continuation.yield(.wake)
                    await self.loop(events, continuation, &group)
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                continuation.yield(.shutdown)
            }
        } onCancel: {
            continuation.yield(.hardStop)
        }
    }

    private func loop(
        _ events: AsyncStream<Event>, _ continuation: AsyncStream<Event>.Continuation, _ group: inout DiscardingTaskGroup
    ) async {
        let config = configuration
        var running: [LeaseKey: RunningJob] = [:]
        var completer = BatchCompleter()
        // Store calls in flight: outcome batches being written (alone or riding with a
        // claim), and claims with the slots they may fill. How many calls pay off at once
        // is the store's to say (JobClaimStore.claimsInFlight), or the configuration's.
        let depth = max(1, config.claimsInFlight ?? store.claimsInFlight)
        var writes = 0
        var claims = 0
        var reserved = 0
        var beating = false
        var wantMore = true
        // The last claim came back full: more jobs are likely waiting, so a second call may
        // go out beside one in flight. Off on an idle queue, where it would be an empty write.
        var backlog = false
        // Something a claim in flight may have missed: a wake-up (jobs committed after it
        // looked), or a write that freed room under a cap. Its short answer must not end
        // the claiming then.
        var lookAgain = false
        var shuttingDown = false
        var cooldownPending = false
        var lastClaim = ContinuousClock.now - config.fetchCooldown
        var jobMetrics: [String: JobMetrics] = [:]

        for await event in events {
            switch event {
            case .wake:
                wantMore = true
                if claims > 0 { lookAgain = true }
            case .cooldownElapsed:
                cooldownPending = false
            case .finished(let lease, let result):
                guard let run = running.removeValue(forKey: lease) else { break }
                run.timer?.cancel()
                guard
                    var outcome = OutcomeResolver.resolve(
                        job: run.job, result: result, stopReason: run.reason, owner: owner, now: clock.now())
                else {
                    logger.warning("lease lost while running; its outcome is discarded", metadata: ["job_id": "\(lease.id)"])
                    break
                }
                if let policy = registry.handler(for: run.job.type)?.defaults.circuitBreaker {
                    outcome.circuit = CircuitTally(
                        type: run.job.type, key: run.job.concurrencyKey, queue: run.job.queue, tenant: run.job.tenant,
                        policy: policy)
                }
                jobMetrics[run.job.type]?.finished(outcome.kind, after: run.started.duration(to: .now))
                if case .failed(let error) = outcome.kind {
                    logger.warning("job failed", metadata: ["job_id": "\(lease.id)", "error": "\(error.message)"])
                }
                completer.add(outcome)
            case .stop(let lease, let reason):
                running[lease]?.stop(reason)
            case .cancelJob(let id):
                for lease in running.keys where lease.id == id { running[lease]?.stop(.cancelRequested) }
            case .heartbeatDue:
                // A finished job keeps its lease until its outcome is written: under a slow
                // store, an outcome waiting its turn must not expire and run the job again.
                // (Not the batch being written: its rows are locked by that write, and
                // extending them would only wait on it.)
                let leases = Array(running.keys) + completer.leases
                guard !beating, !leases.isEmpty else { break }
                beating = true
                let until = clock.now().addingTimeInterval(config.leaseDuration.seconds)
                group.addTask { continuation.yield(.heartbeatDone(await self.extend(leases, until: until), until: until)) }
            case .heartbeatDone(let report, let until):
                beating = false
                for lease in report?.cancelRequested ?? [] { running[lease]?.stop(.cancelRequested) }
                for lease in report?.lost ?? [] { running[lease]?.stop(.leaseLost) }
                if let report {
                    for (lease, run) in running where !report.lost.contains(lease) { run.lease.extend(to: until) }
                }
            case .written:
                writes -= 1
                // Finished jobs free room under a queue's or a key's cap only once their
                // outcomes are written: a claim cut short by a cap tries again now rather
                // than at the next poll.
                wantMore = true
                if claims > 0 { lookAgain = true }
            case .claimed(let jobs, let limit, let until, let wrote):
                // A claim sees the room its own outcomes freed (JobClaimStore.completeAndClaim).
                if wrote { writes -= 1 }
                claims -= 1
                reserved -= limit
                backlog = jobs?.count == limit
                wantMore = backlog || lookAgain
                if claims == 0 { lookAgain = false }
                for job in jobs ?? [] {
                    if shuttingDown {
                        // Claimed as shutdown began: hand it straight back.
                        completer.add(JobOutcome(lease: job.lease, owner: owner, kind: .released, finishedAt: clock.now()))
                        continue
                    }
                    if clock.now() >= until {
                        // This node stalled past the lease it claimed with (frozen, say): the
                        // job may be running elsewhere already, so it is not started here.
                        logger.warning("claimed lease ran out before the job started; dropping it", metadata: ["job_id": "\(job.id)"])
                        continue
                    }
                    let handles = jobMetrics[job.type] ?? metrics.jobs(queue: job.queue, type: job.type)
                    jobMetrics[job.type] = handles
                    handles.started.increment()
                    running[job.lease] = start(job, lease: LeaseDeadline(until, clock: clock), continuation)
                }
            case .shutdown:
                guard !shuttingDown else { break }
                shuttingDown = true
                logger.info("stopping: waiting for \(running.count) running jobs", metadata: ["grace": "\(config.gracePeriod)"])
                group.addTask {
                    try? await Task.sleep(for: config.gracePeriod)
                    continuation.yield(.graceExpired)
                }
            case .graceExpired, .hardStop:
                shuttingDown = true
                if !running.isEmpty { logger.warning("handing \(running.count) running jobs back to the queue") }
                for lease in running.keys { running[lease]?.stop(.shutdown) }
                group.addTask {
                    try? await Task.sleep(for: Self.abandonAfter)
                    continuation.yield(.abandon)
                }
            case .abandon:
                if !running.isEmpty { logger.error("\(running.count) handlers ignored cancellation; their leases will expire") }
                return
            }

            if shuttingDown {
                if writes < depth, let batch = completer.takeBatch() {
                    writes += 1
                    group.addTask { await self.write(batch, continuation) }
                }
                if running.isEmpty && writes == 0 && claims == 0 && completer.isEmpty { return }
                continue
            }
            var claimed = false
            while claims < (backlog ? depth : 1) && wantMore && running.count + reserved < config.concurrency {
                // The cooldown spaces a pool's claims when none is in flight, so a busy pool
                // claims in batches; claims beside one in flight start at once.
                let sinceLast = lastClaim.duration(to: .now)
                if claims == 0 && sinceLast < config.fetchCooldown {
                    if !cooldownPending {
                        cooldownPending = true
                        let wait = config.fetchCooldown - sinceLast
                        group.addTask {
                            try? await Task.sleep(for: wait)
                            continuation.yield(.cooldownElapsed)
                        }
                    }
                    break
                }
                // The claim runs beside the loop, so finished jobs keep flowing while it waits
                // for the database; it never waits for a write in flight (a write blocked on a
                // locked row must not stop the pool).
                let batch = writes < depth ? completer.takeBatch() : nil
                if batch != nil { writes += 1 }
                lastClaim = .now
                claimed = true
                // Several claims in flight share the pool's room, so each brings a part.
                let share = (config.concurrency + depth - 1) / depth
                let limit = min(config.batchSize, share, config.concurrency - running.count - reserved)
                claims += 1
                reserved += limit
                startClaim(batch, limit: limit, continuation, &group)
            }
            // Outcomes that finish while a claim is in flight wait for the next claim and
            // ride with it, one commit for both; heartbeats keep their leases.
            if !claimed, writes < depth, claims == 0, let batch = completer.takeBatch() {
                writes += 1
                group.addTask { await self.write(batch, continuation) }
            }
        }
    }

    /// Claims up to `limit` jobs, writing `batch` with them when there is one.
    private func startClaim(
        _ batch: [JobOutcome]?, limit: Int, _ continuation: AsyncStream<Event>.Continuation, _ group: inout DiscardingTaskGroup
    ) {
        let until = clock.now().addingTimeInterval(configuration.leaseDuration.seconds)
        group.addTask {
            guard let batch else {
                continuation.yield(.claimed(await self.claim(limit: limit, until: until), limit: limit, until: until, wrote: false))
                return
            }
            if let claimed = await self.completeAndClaim(batch, limit: limit, until: until) {
                continuation.yield(.claimed(claimed, limit: limit, until: until, wrote: true))
            } else {
                // The claim waits for the next wake-up; the outcomes are written on their
                // own, retried until they are, and never dropped.
                continuation.yield(.claimed(nil, limit: limit, until: until, wrote: false))
                await self.write(batch, continuation)
            }
        }
    }

    /// Writes a batch of outcomes on its own, retrying until it is written.
    private func write(_ batch: [JobOutcome], _ continuation: AsyncStream<Event>.Continuation) async {
        await BatchCompleter.write(batch, to: store, timeout: configuration.storeTimeout, logger: logger)
        continuation.yield(.written)
        // The batch appended its events; the tailer reads them now, not at its poll.
        await notifier.notify([.eventsAppended])
    }

    /// Writes a batch of outcomes and claims the next jobs in one store call; nil when that
    /// failed. The outcomes may then have been written or not (PostgreSQL writes them beside
    /// the claim); the caller writes them again, which fencing makes harmless.
    private func completeAndClaim(_ batch: [JobOutcome], limit: Int, until: Date) async -> [ClaimedJob]? {
        let now = clock.now()
        let (store, queue, owner) = (store, configuration.queue, owner)
        do {
            let (_, claimed) = try await withDeadline(configuration.storeTimeout, "writing outcomes and claiming jobs") {
                try await store.completeAndClaim(batch, queue: queue, limit: limit, owner: owner, leaseUntil: until, now: now)
            }
            await notifier.notify([.eventsAppended])
            return claimed
        } catch {
            logger.loopFailure("writing outcomes and claiming jobs failed; writing the outcomes alone", error: error)
            return nil
        }
    }

    private func claim(limit: Int, until: Date) async -> [ClaimedJob]? {
        let now = clock.now()
        let (store, queue, owner) = (store, configuration.queue, owner)
        do {
            let claimed = try await withDeadline(configuration.storeTimeout, "claiming jobs") {
                try await store.claimJobs(queue: queue, limit: limit, owner: owner, leaseUntil: until, now: now)
            }
            if !claimed.isEmpty { await notifier.notify([.eventsAppended]) }
            return claimed
        } catch {
            // The poll wakes us again; a store outage must never end the loop.
            logger.loopFailure("claiming jobs failed", error: error)
            return nil
        }
    }

    /// Starts the handler in its own task, so it alone can be cancelled.
    private func start(_ job: ClaimedJob, lease: LeaseDeadline, _ continuation: AsyncStream<Event>.Continuation) -> RunningJob {
        let context = JobContext(
            id: job.id, type: job.type, queue: job.queue, attempt: job.attempt, maxAttempts: job.maxAttempts,
            tenant: job.tenant, concurrencyKey: ConcurrencyKey.shown(job.concurrencyKey), logger: logger,
            secrets: TenantSecrets(tenant: job.tenant, store: secrets, clock: clock), lease: lease)
        let handler = registry.handler(for: job.type)
        let task = Task {
            let result: Result<JSONValue?, any Error>
            do {
                result = .success(
                    try await withSpan("job \(job.type)", ofKind: .consumer) { span in
                        span.attributes["conveyor.job.id"] = job.id
                        span.attributes["conveyor.job.queue"] = job.queue
                        span.attributes["conveyor.job.attempt"] = job.attempt
                        guard let handler else { throw MissingHandlerError(type: job.type) }
                        return try await handler.execute(job.payload, context)
                    })
            } catch {
                result = .failure(error)
            }
            continuation.yield(.finished(job.lease, result))
        }
        let timer: Task<Void, Never>? = job.timeoutSeconds.map { seconds in
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                if !Task.isCancelled { continuation.yield(.stop(job.lease, .timeout)) }
            }
        }
        return RunningJob(job: job, task: task, timer: timer, lease: lease)
    }

    private func extend(_ leases: [LeaseKey], until: Date) async -> LeaseReport? {
        let (store, owner) = (store, owner)
        do {
            return try await withDeadline(configuration.storeTimeout, "extending leases") {
                try await store.extendLeases(leases, owner: owner, until: until)
            }
        } catch {
            logger.loopFailure("extending leases failed", error: error)
            return nil
        }
    }

    private func poll(_ continuation: AsyncStream<Event>.Continuation) async {
        let base = configuration.pollInterval.seconds
        while !Task.isCancelled {
            // Jitter keeps many nodes from polling in step.
            try? await Task.sleep(for: .seconds(base * Double.random(in: 0.8...1.2)))
            continuation.yield(.wake)
        }
    }

    private func tickHeartbeat(_ continuation: AsyncStream<Event>.Continuation) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.heartbeatInterval)
            continuation.yield(.heartbeatDue)
        }
    }

    private func listen(_ signals: AsyncStream<EngineSignal>, _ continuation: AsyncStream<Event>.Continuation) async {
        for await signal in signals {
            switch signal {
            case .jobsAvailable(let queue) where queue == configuration.queue:
                continuation.yield(.wake)
            case .cancelRequested(let id):
                continuation.yield(.cancelJob(id: id))
            default:
                break
            }
        }
    }
}

/// A job of a type this process has no handler for; retried, since another node may have one.
struct MissingHandlerError: Error, CustomStringConvertible {
    var type: String
    var description: String { "no handler for job type '\(type)' is registered in this worker" }
}
