import Foundation
import Logging

/// The delivery loop of an ``EventConsumer`` holding its group's lease.
extension EventConsumer {
    /// Reads, delivers and commits batch after batch; waits for a wake-up when caught up.
    /// Returns or throws when cancelled, and throws ``LeaseLost`` when a fenced write fails.
    func consume(_ lease: GroupLease, wakes: AsyncStream<Void>) async throws {
        let backend = conveyor.backend
        var cursor = lease.cursor
        var committed = cursor
        var lastCommit = ContinuousClock.now
        var iterator = wakes.makeAsyncIterator()
        while !Task.isCancelled {
            try await replayPending(lease)
            let query = EventQuery(after: cursor, topic: topic, tenant: options.tenant, limit: options.batchSize)
            let page = try await withDeadline(.seconds(10), "reading the event log") { try await backend.events.readEvents(query) }
            var gap: EventGap?
            if page.prunedThrough > cursor {
                // The pruner removed events this group never read: it fell behind the
                // retention window. They cannot be delivered; say so loudly and durably.
                gap = EventGap(after: cursor, through: page.prunedThrough, at: conveyor.clock.now())
                logger.error(
                    "the consumer group fell behind the event retention: events were pruned before it read them",
                    metadata: ["after": "\(cursor)", "pruned_through": "\(page.prunedThrough)"])
            }
            if !page.events.isEmpty { try await deliver(page.events, lease) }
            let next = max(cursor, page.nextAfter)
            let due = lastCommit.duration(to: .now) >= Self.idleCommitInterval
            if !page.events.isEmpty || gap != nil || (next > committed && due) {
                guard try await backend.eventBus.commitGroupCursor(lease, cursor: next, gap: gap, now: conveyor.clock.now()) else {
                    throw LeaseLost()
                }
                committed = next
                lastCommit = .now
            }
            cursor = next
            if page.events.count < options.batchSize {
                // Caught up: wait for the notifier (or the backup poll).
                guard await iterator.next() != nil else { return }
            }
        }
    }

    /// Delivers one batch: keys concurrently (at most ``ConsumerOptions/concurrency``),
    /// each key's events one after another in log order.
    private func deliver(_ events: [LogEvent], _ lease: GroupLease) async throws {
        var order: [String] = []
        var byKey: [String: [LogEvent]] = [:]
        for event in events {
            if byKey[event.key] == nil { order.append(event.key) }
            byKey[event.key, default: []].append(event)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for key in order {
                if running >= options.concurrency {
                    try await group.next()
                    running -= 1
                }
                let sequence = byKey[key] ?? []
                group.addTask {
                    for event in sequence {
                        if let failure = try await self.attempt(event) {
                            try await self.deadLetter(event, failure, lease)
                        }
                    }
                }
                running += 1
            }
            try await group.waitForAll()
        }
    }

    /// Runs the handler until it succeeds or has failed ``ConsumerOptions/maxAttempts``
    /// times (or throws ``DeadLetterNow``), waiting the backoff between attempts. Nil when
    /// delivered.
    func attempt(_ event: LogEvent) async throws -> ReplayFailure? {
        var lastError = ""
        for attempt in 1...options.maxAttempts {
            try Task.checkCancellation()
            do {
                try await handler(event)
                return nil
            } catch let error as DeadLetterNow {
                return ReplayFailure(attempts: attempt, error: error.reason)
            } catch {
                // Stopping (shutdown, a lost lease) is not the handler's failure: the event
                // stays undelivered, and the next holder delivers it again.
                if Task.isCancelled { throw CancellationError() }
                lastError = String(describing: error)
                logger.debug(
                    "event handler failed",
                    metadata: ["event": "\(event.id)", "attempt": "\(attempt)", "error": "\(lastError)"])
                if attempt < options.maxAttempts {
                    try await Task.sleep(for: .seconds(options.backoff.delay(afterAttempt: attempt)))
                }
            }
        }
        return ReplayFailure(attempts: options.maxAttempts, error: lastError)
    }

    private func deadLetter(_ event: LogEvent, _ failure: ReplayFailure, _ lease: GroupLease) async throws {
        let backend = conveyor.backend
        guard
            try await backend.eventBus.addDeadLetter(
                lease, event: event, attempts: failure.attempts, error: failure.error, now: conveyor.clock.now())
        else { throw LeaseLost() }
        logger.warning(
            "event dead-lettered after every attempt failed; the group moves on",
            metadata: ["event": "\(event.id)", "key": "\(event.key)", "attempts": "\(failure.attempts)", "error": "\(failure.error)"])
    }

    /// Delivers the dead letters an operator asked to replay. One that fails every attempt
    /// again goes back to the dead letters, its attempts added up.
    private func replayPending(_ lease: GroupLease) async throws {
        let backend = conveyor.backend
        let replays = try await backend.eventBus.pendingReplays(group: group, limit: options.batchSize)
        for letter in replays {
            let failure = try await attempt(letter.event).map {
                ReplayFailure(attempts: letter.attempts + $0.attempts, error: $0.error)
            }
            guard try await backend.eventBus.finishReplay(lease, id: letter.id, failure: failure, now: conveyor.clock.now()) else {
                throw LeaseLost()
            }
            logger.info(
                failure == nil ? "dead letter replayed and delivered" : "dead letter replayed and failed again",
                metadata: ["dead_letter": "\(letter.id)", "event": "\(letter.event.id)"])
        }
    }
}
