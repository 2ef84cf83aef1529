import Foundation

/// Durable consumer groups through the facade: subscribing from Swift, and the operator's
/// view of every group with its dead letters.
extension Conveyor {
    /// A durable consumer for `group`, delivering the events whose topic matches `topic`
    /// (exact, or a prefix wildcard such as `entry.*`) to `handler`.
    ///
    /// ```swift
    /// let indexer = try conveyor.subscribe(topic: "entry.saved", group: "search-indexer") { event in
    ///     try await index(event.data)
    /// }
    /// // run `indexer` in your ServiceGroup
    /// ```
    ///
    /// At least once, in order per key; a handler that throws is retried with backoff and,
    /// after ``ConsumerOptions/maxAttempts``, the event goes to the group's dead letters.
    /// The group's cursor is durable: a new process (or node) continues where it stopped.
    public func subscribe(
        topic: String, group: String, options: ConsumerOptions = .init(),
        handler: @escaping @Sendable (LogEvent) async throws -> Void
    ) throws -> EventConsumer {
        var failures: [ValidationFailure] = []
        if !EnqueueRequest.isValidName(group) {
            failures.append(ValidationFailure("group", "must be 1–100 characters of letters, digits, '_', '-', '.' or ':'"))
        } else if group.hasPrefix("trigger:") {
            failures.append(ValidationFailure("group", "names starting 'trigger:' belong to triggers; choose another"))
        }
        var filter: TopicFilter?
        do throws(ConveyorError) { filter = try TopicFilter(topic) } catch { failures += error.failures }
        do throws(ConveyorError) { try options.validate() } catch { failures += error.failures }
        guard failures.isEmpty, let filter else { throw ConveyorError.invalid(failures) }
        return EventConsumer(conveyor: self, group: group, topic: filter, options: options, handler: handler)
    }

    /// Every consumer group with its position: `head` and `lag` are filled in.
    public func subscriptions() async throws -> [ConsumerGroup] {
        let head = try await backend.events.readEvents(EventQuery(after: nil, limit: 0)).head
        return try await backend.eventBus.consumerGroups().map { group in
            var group = group
            group.head = head
            group.lag = max(0, head - group.cursor)
            return group
        }
    }

    /// The group's dead letters, oldest first.
    public func deadLetters(group: String, after: Int64? = nil, limit: Int = 100) async throws -> DeadLetterList {
        try await requireGroup(group)
        let limit = min(max(limit, 1), 1000)
        let letters = try await backend.eventBus.deadLetters(group: group, after: after, limit: limit)
        return DeadLetterList(deadLetters: letters, nextAfter: letters.count == limit ? letters.last?.id : nil)
    }

    /// Marks one dead letter for replay; the group's active consumer delivers it again
    /// (with fresh attempts) and deletes it once delivered.
    public func replayDeadLetter(group: String, id: Int64) async throws -> ReplayResult {
        try await requireGroup(group)
        let marked = try await backend.eventBus.requestReplay(group: group, id: id, now: clock.now())
        guard marked > 0 else {
            throw ConveyorError(
                .notFound,
                "Group '\(group)' has no dead letter \(id) waiting; it may be replaying or delivered already. List them with GET /v1/subscriptions/\(group)/dead-letters.")
        }
        // The consumer checks for replays whenever it wakes.
        await notifier.notify([.eventsAppended])
        return ReplayResult(group: group, replaying: marked)
    }

    /// Marks every dead letter of the group for replay.
    public func replayDeadLetters(group: String) async throws -> ReplayResult {
        try await requireGroup(group)
        let marked = try await backend.eventBus.requestReplay(group: group, id: nil, now: clock.now())
        if marked > 0 { await notifier.notify([.eventsAppended]) }
        return ReplayResult(group: group, replaying: marked)
    }

    private func requireGroup(_ name: String) async throws {
        guard try await backend.eventBus.consumerGroup(name) != nil else {
            throw ConveyorError(
                .notFound,
                "No consumer group is named '\(name)'. List the groups with GET /v1/subscriptions; a group exists once a consumer (or trigger) has run for it.")
        }
    }
}
