import Foundation
import Logging
import Synchronization

/// Turns the event log into webhook deliveries: reads the log after its own durable
/// cursor and, in one transaction per batch, inserts a delivery for each endpoint that
/// wants each event and moves the cursor past the batch. A delivery is unique per
/// (endpoint, event), so a dispatcher that stops between reading and committing, or two
/// that overlap during a leadership change, never make a second one.
///
/// Run it on one node (under the leader); the senders may run anywhere.
public final class WebhookDispatcher: Sendable {
    public let conveyor: Conveyor
    let batchSize: Int
    let pollInterval: Duration
    /// Told how many deliveries a batch created, so a local sender can start at once.
    let onDispatched: @Sendable (Int) -> Void
    /// Finished deliveries older than this are pruned (about once a minute).
    let retention: Duration
    private let lastIdleCommit = Mutex<ContinuousClock.Instant?>(nil)
    static let idleCommitInterval: Duration = .seconds(1)

    public init(
        conveyor: Conveyor, batchSize: Int = 500, pollInterval: Duration = .seconds(1), retention: Duration = .seconds(7 * 86400),
        onDispatched: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.conveyor = conveyor
        self.retention = retention
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.onDispatched = onDispatched
    }

    /// Dispatches one batch. Returns true when the log may hold more right now.
    @discardableResult
    public func tick() async throws -> Bool {
        let backend = conveyor.backend
        let cursor = try await backend.webhooks.webhookDispatchCursor()
        let endpoints = try await backend.webhooks.webhookEndpoints(tenant: nil)
        // Read only what some endpoint may want: nothing at all without endpoints (the
        // cursor just moves to the head), one topic or tenant when they all share it.
        let filters = Set(endpoints.flatMap(\.events))
        let tenants = Set(endpoints.map(\.tenant))
        // No endpoint wants an event from before it was made: start past the oldest
        // endpoint's start rather than reading history one batch at a time.
        let from = max(cursor, endpoints.map(\.startAfter).min() ?? cursor)
        let query = EventQuery(
            after: from, topic: filters.count == 1 ? try? TopicFilter(filters.first!) : nil,
            tenant: tenants.count == 1 ? tenants.first : nil, limit: endpoints.isEmpty ? 0 : batchSize)
        let page = try await backend.events.readEvents(query)
        guard page.nextAfter > cursor else { return false }
        // An endpoint made or changed while the log was read: look again before the cursor
        // moves, or the new endpoint's first events would be passed over.
        let again = try await backend.webhooks.webhookEndpoints(tenant: nil)
        guard again.map(\.id) == endpoints.map(\.id), again.map(\.events) == endpoints.map(\.events) else { return true }
        if page.prunedThrough > cursor {
            conveyor.logger.warning(
                "webhook dispatcher fell behind the event retention; pruned events get no deliveries",
                metadata: ["cursor": "\(cursor)", "pruned_through": "\(page.prunedThrough)"])
        }
        var deliveries: [NewWebhookDelivery] = []
        if !page.events.isEmpty {
            let matchers = endpoints.map { endpoint in (endpoint, endpoint.events.compactMap { try? TopicFilter($0) }) }
            if !matchers.isEmpty {
                for event in page.events {
                    let wanting = matchers.filter { endpoint, topics in
                        event.id > endpoint.startAfter && event.tenant == endpoint.tenant && topics.contains { $0.matches(event.topic) }
                    }.map(\.0)
                    guard !wanting.isEmpty else { continue }
                    let body = String(decoding: try ConveyorJSON.encode(event), as: UTF8.self)
                    for endpoint in wanting {
                        deliveries.append(
                            NewWebhookDelivery(
                                id: "dlv_" + JobID.make(), endpointID: endpoint.id, eventID: event.id, eventType: event.type,
                                tenant: event.tenant, body: body))
                    }
                }
            }
        }
        let full = !endpoints.isEmpty && page.events.count >= batchSize
        if deliveries.isEmpty && !full {
            // Only moving past events no endpoint wants: write the cursor at most once a
            // second, so a busy log without subscribers is not a write per wake-up. A full
            // page is a backlog being caught up on: that moves on at once.
            let now = ContinuousClock.now
            let due = lastIdleCommit.withLock { last in
                guard last.map({ $0.duration(to: now) >= Self.idleCommitInterval }) ?? true else { return false }
                last = now
                return true
            }
            if !due { return false }
        }
        let created = try await backend.webhooks.dispatchWebhookDeliveries(deliveries, cursor: page.nextAfter, now: conveyor.clock.now())
        if created > 0 { onDispatched(created) }
        return full
    }

    /// Dispatches until cancelled: at once when events are appended, else every poll interval.
    public func run() async {
        let signals = await conveyor.notifier.subscribe()
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let poll = pollInterval
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
            var failureDelay = 0.1
            var iterator = wakes.makeAsyncIterator()
            var lastPrune = ContinuousClock.now - .seconds(3600)
            while !Task.isCancelled {
                if lastPrune.duration(to: .now) > .seconds(60) {
                    lastPrune = .now
                    let (backend, before) = (conveyor.backend, conveyor.clock.now().addingTimeInterval(-retention.seconds))
                    do {
                        _ = try await withDeadline(.seconds(15), "pruning webhook deliveries") {
                            try await backend.webhooks.pruneWebhookDeliveries(before: before, limit: 10_000)
                        }
                    } catch {
                        conveyor.logger.loopFailure("pruning webhook deliveries failed", error: error)
                    }
                }
                do {
                    let more = try await withDeadline(.seconds(30), "dispatching webhooks") { try await self.tick() }
                    failureDelay = 0.1
                    if more { continue }
                } catch {
                    if Task.isCancelled { break }
                    conveyor.logger.loopFailure("webhook dispatch failed; retrying", error: error)
                    try? await Task.sleep(for: .seconds(failureDelay))
                    failureDelay = min(failureDelay * 2, 10)
                    continue
                }
                guard await iterator.next() != nil else { break }
            }
            group.cancelAll()
        }
    }
}
