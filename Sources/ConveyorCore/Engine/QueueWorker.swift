import Foundation
import Logging
import ServiceLifecycle

/// One queue's worker pool: claims jobs in batches, runs them under a lease with a
/// heartbeat, and hands their outcomes to the ``BatchCompleter``.
///
/// A single loop owns all the pool's state, fed by events: wake-ups from the notifier
/// and the poll, finished jobs, and shutdown. At shutdown it stops claiming, lets
/// running jobs finish within the grace period, then cancels the rest, whose outcome
/// is `released`: back to `queued` with the attempt refunded.
final class QueueWorker: Sendable {
    private enum Event: Sendable {
        case wake
        case cooldownElapsed
        case finished
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
    private let store: any JobStore
    private let registry: JobRegistry
    private let completer: BatchCompleter
    private let notifier: any Notifier
    private let clock: any ConveyorClock
    private let metrics: EngineMetrics
    private let logger: Logger

    init(
        configuration: QueueWorkerConfiguration, owner: String, store: any JobStore, registry: JobRegistry,
        completer: BatchCompleter, notifier: any Notifier, clock: any ConveyorClock, metrics: EngineMetrics,
        logger: Logger
    ) {
        self.configuration = configuration
        self.owner = owner
        self.store = store
        self.registry = registry
        self.completer = completer
        self.notifier = notifier
        self.clock = clock
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "queue"] = "\(configuration.queue)"
        self.logger = logger
    }

    func run() async {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let executions = ExecutionRegistry()
        let signals = await notifier.subscribe()
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    group.addTask { await self.poll(continuation) }
                    group.addTask { await self.listen(signals, continuation, executions) }
                    group.addTask { await self.heartbeat(executions) }
                    await self.loop(events, continuation, executions, &group)
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
        _ events: AsyncStream<Event>, _ continuation: AsyncStream<Event>.Continuation,
        _ executions: ExecutionRegistry, _ group: inout DiscardingTaskGroup
    ) async {
        let config = configuration
        var inFlight = 0
        var wantMore = true
        var shuttingDown = false
        var cooldownPending = false
        var lastClaim = ContinuousClock.now - config.fetchCooldown

        for await event in events {
            switch event {
            case .wake: wantMore = true
            case .cooldownElapsed: cooldownPending = false
            case .finished: inFlight -= 1
            case .shutdown:
                guard !shuttingDown else { break }
                shuttingDown = true
                logger.info("stopping: waiting for \(inFlight) running jobs", metadata: ["grace": "\(config.gracePeriod)"])
                group.addTask {
                    try? await Task.sleep(for: config.gracePeriod)
                    continuation.yield(.graceExpired)
                }
            case .graceExpired, .hardStop:
                if inFlight > 0 { logger.warning("handing \(inFlight) running jobs back to the queue") }
                shuttingDown = true
                await executions.stopAll(reason: .shutdown)
                group.addTask {
                    try? await Task.sleep(for: Self.abandonAfter)
                    continuation.yield(.abandon)
                }
            case .abandon:
                if inFlight > 0 { logger.error("\(inFlight) handlers ignored cancellation; their leases will expire") }
                return
            }
            if shuttingDown {
                if inFlight == 0 { break }
                continue
            }
            guard wantMore, inFlight < config.concurrency else { continue }

            let sinceLast = lastClaim.duration(to: .now)
            if sinceLast < config.fetchCooldown {
                if !cooldownPending {
                    cooldownPending = true
                    let wait = config.fetchCooldown - sinceLast
                    group.addTask {
                        try? await Task.sleep(for: wait)
                        continuation.yield(.cooldownElapsed)
                    }
                }
                continue
            }
            lastClaim = .now
            let limit = min(config.batchSize, config.concurrency - inFlight)
            let now = clock.now()
            let jobs: [ClaimedJob]
            do {
                jobs = try await store.claimJobs(
                    queue: config.queue, limit: limit, owner: owner,
                    leaseUntil: now.addingTimeInterval(config.leaseDuration.seconds), now: now)
            } catch {
                // The poll wakes us again; a store outage must never end the loop.
                logger.error("claiming jobs failed", metadata: ["error": "\(String(reflecting: error))"])
                wantMore = false
                continue
            }
            wantMore = jobs.count == limit
            for job in jobs {
                inFlight += 1
                group.addTask {
                    if let outcome = await self.execute(job, executions) {
                        await self.completer.submit(outcome)
                    }
                    continuation.yield(.finished)
                }
            }
        }
    }

    private func execute(_ job: ClaimedJob, _ executions: ExecutionRegistry) async -> JobOutcome? {
        metrics.started(job)
        let started = ContinuousClock.now
        var jobLogger = logger
        jobLogger[metadataKey: "job_id"] = "\(job.id)"
        jobLogger[metadataKey: "job_type"] = "\(job.type)"
        let context = JobContext(
            id: job.id, type: job.type, queue: job.queue, attempt: job.attempt, maxAttempts: job.maxAttempts,
            tenant: job.tenant, logger: jobLogger)
        let handler = registry.handler(for: job.type)
        let task = Task<JSONValue?, any Error> {
            guard let handler else {
                throw MissingHandlerError(type: job.type)
            }
            return try await handler.execute(job.payload, context)
        }
        await executions.register(job.lease, task: task)
        let timer: Task<Void, Never>? = job.timeoutSeconds.map { seconds in
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                if !Task.isCancelled { await executions.stop(job.lease, reason: .timeout) }
            }
        }
        let result = await task.result
        timer?.cancel()
        let reason = await executions.finish(job.lease)
        guard
            let outcome = OutcomeResolver.resolve(
                job: job, result: result, stopReason: reason, owner: owner, now: clock.now())
        else {
            jobLogger.warning("lease lost while running; its outcome is discarded")
            return nil
        }
        metrics.finished(job, outcome: outcome.kind, seconds: started.duration(to: .now).seconds)
        if case .failed(let error) = outcome.kind {
            jobLogger.warning("job failed", metadata: ["error": "\(error.message)"])
        }
        return outcome
    }

    private func poll(_ continuation: AsyncStream<Event>.Continuation) async {
        let base = configuration.pollInterval.seconds
        while !Task.isCancelled {
            // Jitter keeps many nodes from polling in step.
            try? await Task.sleep(for: .seconds(base * Double.random(in: 0.8...1.2)))
            continuation.yield(.wake)
        }
    }

    private func listen(
        _ signals: AsyncStream<EngineSignal>, _ continuation: AsyncStream<Event>.Continuation,
        _ executions: ExecutionRegistry
    ) async {
        for await signal in signals {
            switch signal {
            case .jobsAvailable(let queue) where queue == configuration.queue:
                continuation.yield(.wake)
            case .cancelRequested(let id):
                await executions.stop(jobID: id, reason: .cancelRequested)
            default:
                break
            }
        }
    }

    private func heartbeat(_ executions: ExecutionRegistry) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.heartbeatInterval)
            let leases = await executions.leases
            guard !leases.isEmpty else { continue }
            do {
                let until = clock.now().addingTimeInterval(configuration.leaseDuration.seconds)
                let report = try await store.extendLeases(leases, owner: owner, until: until)
                for lease in report.cancelRequested { await executions.stop(lease, reason: .cancelRequested) }
                for lease in report.lost { await executions.stop(lease, reason: .leaseLost) }
            } catch {
                logger.error("extending leases failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }
}

/// A job of a type this process has no handler for; retried, since another node may have one.
struct MissingHandlerError: Error, CustomStringConvertible {
    var type: String
    var description: String { "no handler for job type '\(type)' is registered in this worker" }
}
