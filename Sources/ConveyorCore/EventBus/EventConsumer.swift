import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The active consumer of one durable consumer group: a `Service` that delivers the
/// group's events to a handler, at least once, in order per key.
///
/// Made by ``Conveyor/subscribe(topic:group:options:handler:)``; run it in your
/// `ServiceGroup` (or a task of its own). Many consumers of the same group may run, on
/// one node or many: the group's lease row lets one of them deliver at a time, and the
/// others take over within one lease period when it stops or dies.
///
/// Each step reads a batch after the group's cursor, delivers it (keys concurrently, each
/// key's events in order; a failing event is retried with backoff and, after
/// ``ConsumerOptions/maxAttempts``, dead-lettered so the key moves on), then commits the
/// cursor past the batch. A consumer that stops mid-batch commits nothing for it: the
/// next one delivers the batch again. The notifier wakes it when events are appended.
public final class EventConsumer: Service {
    public let group: String
    public let topic: TopicFilter
    public let options: ConsumerOptions
    let conveyor: Conveyor
    let handler: @Sendable (LogEvent) async throws -> Void
    /// The lease this consumer holds now, released at shutdown.
    private let held = Mutex<GroupLease?>(nil)
    /// False simulates a consumer that dies: stopping leaves its lease to expire (tests).
    let releasesLeaseOnStop = Atomic<Bool>(true)

    /// The cursor is committed at once after delivered events; a cursor that only moved
    /// past other topics' events waits this long, so a busy log is not a write per wake.
    static let idleCommitInterval: Duration = .seconds(1)

    init(
        conveyor: Conveyor, group: String, topic: TopicFilter, options: ConsumerOptions,
        handler: @escaping @Sendable (LogEvent) async throws -> Void
    ) {
        self.conveyor = conveyor
        self.group = group
        self.topic = topic
        self.options = options
        self.handler = handler
    }

    var logger: Logger {
        var logger = conveyor.logger
        logger[metadataKey: "group"] = "\(group)"
        return logger
    }

    /// The lease held at the moment, if any.
    public var lease: GroupLease? { held.withLock { $0 } }

    public func run() async throws {
        let signals = await conveyor.notifier.subscribe()
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let poll = options.pollInterval
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await signal in signals where signal == .eventsAppended { wake.yield() }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: poll)
                        wake.yield()
                    }
                }
                await self.consumeWhileRunning(wakes: wakes)
                group.cancelAll()
            }
        }
        if let lease = held.withLock({ $0 }), releasesLeaseOnStop.load(ordering: .relaxed) {
            // Our task is cancelled by now: release from a fresh one so the query runs.
            let backend = conveyor.backend
            await Task {
                _ = try? await withDeadline(.seconds(5), "releasing a group lease") { try await backend.eventBus.releaseGroupLease(lease) }
            }.value
        }
    }

    /// Registers the group, then takes the lease whenever it is free and delivers while
    /// holding it, until cancelled.
    private func consumeWhileRunning(wakes: AsyncStream<Void>) async {
        var failureDelay = 0.1
        while !Task.isCancelled {
            do {
                _ = try await conveyor.backend.eventBus.registerGroup(
                    GroupRegistration(name: group, topic: topic, tenant: options.tenant, start: options.start),
                    now: conveyor.clock.now())
                break
            } catch {
                logger.loopFailure("registering the consumer group failed; retrying", error: error)
                try? await Task.sleep(for: .seconds(failureDelay))
                failureDelay = min(failureDelay * 2, 10)
            }
        }
        while !Task.isCancelled {
            do {
                if let lease = try await acquire() {
                    held.withLock { $0 = lease }
                    logger.info("consuming: this consumer holds the group's lease", metadata: ["owner": "\(lease.owner)", "fence": "\(lease.fence)"])
                    try await hold(lease, wakes: wakes)
                    failureDelay = 0.1
                    continue
                }
            } catch is CancellationError {
                return
            } catch {
                logger.loopFailure("consuming failed; retrying", error: error)
                try? await Task.sleep(for: .seconds(failureDelay))
                failureDelay = min(failureDelay * 2, 10)
                continue
            }
            // Another consumer holds the group: look again within a third of a lease.
            try? await Task.sleep(for: options.leaseDuration / 3)
        }
    }

    private func acquire() async throws -> GroupLease? {
        let (backend, clock, options, group) = (conveyor.backend, conveyor.clock, options, group)
        return try await withDeadline(options.leaseDuration / 3, "taking the group lease") {
            let now = clock.now()
            return try await backend.eventBus.acquireGroupLease(
                group: group, owner: options.owner, until: now.addingTimeInterval(options.leaseDuration.seconds), now: now)
        }
    }

    /// Delivers while the lease lasts: the heartbeat renews it, and when a renewal finds
    /// it taken (or cannot renew before it would expire) delivery is cancelled.
    private func hold(_ lease: GroupLease, wakes: AsyncStream<Void>) async throws {
        enum End: Sendable {
            case leaseLost
            case delivery((any Error)?)
        }
        let end = await withTaskGroup(of: End.self) { tasks in
            tasks.addTask { await self.heartbeat(lease) ? .delivery(nil) : .leaseLost }
            tasks.addTask {
                do {
                    try await self.consume(lease, wakes: wakes)
                    return .delivery(nil)
                } catch {
                    return .delivery(error)
                }
            }
            let first = await tasks.next() ?? .delivery(nil)
            tasks.cancelAll()
            return first
        }
        // Stopping keeps the lease in `held`, for run() to release it.
        if Task.isCancelled { return }
        held.withLock { $0 = nil }
        if case .delivery(let error?) = end, !(error is LeaseLost), !(error is CancellationError) { throw error }
    }

    /// Renews the lease a third of a period at a time. Returns false once it is lost.
    private func heartbeat(_ lease: GroupLease) async -> Bool {
        var renewed = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: options.leaseDuration / 3)
            if Task.isCancelled { return true }
            do {
                guard let again = try await acquire(), again.fence == lease.fence else {
                    logger.warning("the group's lease was taken over; this consumer stops delivering")
                    return false
                }
                renewed = .now
            } catch {
                logger.loopFailure("renewing the group lease failed", error: error)
                // Stop before the lease can expire, so two consumers never overlap.
                if renewed.duration(to: .now) > options.leaseDuration * 2 / 3 { return false }
            }
        }
        return true
    }
}

/// A fenced write found the lease gone: another consumer owns the group now.
struct LeaseLost: Error, CustomStringConvertible {
    var description: String { "the consumer group's lease was taken by another consumer" }
}
