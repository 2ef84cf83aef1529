import Foundation
import Logging
import ServiceLifecycle

/// The one reader of the event log per process, fanning new events out to live
/// subscribers (the SSE streams).
///
/// It reads after its cursor whenever the ``Notifier`` says events were appended
/// (``EngineSignal/eventsAppended``: at once on this node, through NOTIFY from other
/// PostgreSQL nodes) and on a short poll as a backup. Each subscriber has a bounded
/// buffer; one that falls behind is ended as overflowed, so a slow client never holds up
/// the tailer, the other clients or the engine.
public actor EventTailer: Service {
    public struct Configuration: Sendable, Hashable {
        /// The backup poll: the longest a missed wake-up delays delivery.
        public var pollInterval: Duration
        /// Events read per store call.
        public var pageSize: Int

        public init(pollInterval: Duration = .milliseconds(250), pageSize: Int = 1000) {
            self.pollInterval = pollInterval
            self.pageSize = pageSize
        }
    }

    let store: any EventLogStore
    let notifier: any Notifier
    let configuration: Configuration
    let logger: Logger
    /// Every event up to here has been offered to the subscribers of the time.
    private var cursor: Int64?
    private var subscribers: [Int: EventSubscription] = [:]
    private var nextID = 0
    private var state = State.idle

    private enum State {
        case idle, running, stopped
    }

    public init(conveyor: Conveyor, configuration: Configuration = .init()) {
        self.store = conveyor.backend.events
        self.notifier = conveyor.notifier
        self.configuration = configuration
        self.logger = conveyor.logger
    }

    /// Registers a live reader. It receives every matching event after
    /// ``EventSubscription/startAfter``; events up to there it replays from the log.
    ///
    /// A tailer that is not running (stopped, or never started, as under a router-only
    /// test) returns a subscription that has already ended: the reader replays and stops
    /// rather than waiting for events that will never come.
    public func subscribe(_ filter: EventFilter, bufferSize: Int) async throws -> EventSubscription {
        // The HTTP server may take a request a moment before the tailer's run() begins.
        for _ in 0..<10 where state == .idle {
            try await Task.sleep(for: .milliseconds(10))
        }
        let start = try await currentCursor()
        let id = nextID
        nextID += 1
        let subscription = EventSubscription(startAfter: start, filter: filter, bufferSize: bufferSize) { [weak self] in
            Task { await self?.remove(id) }
        }
        if state == .running {
            subscribers[id] = subscription
        } else {
            subscription.finish()
        }
        return subscription
    }

    /// How many readers are connected.
    public var subscriberCount: Int { subscribers.count }

    public func run() async throws {
        state = .running
        let signals = await notifier.subscribe()
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let poll = configuration.pollInterval
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await signal in signals where signal == .eventsAppended { wake.yield() }
                    wake.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: poll)
                        wake.yield()
                    }
                    wake.finish()
                }
                for await _ in wakes {
                    // Stopping: a wake-up still buffered must not start a read that the
                    // cancellation ends at once.
                    if Task.isCancelled { break }
                    await self.readNewEvents()
                }
                group.cancelAll()
            }
        }
        stop()
    }

    private func currentCursor() async throws -> Int64 {
        if let cursor { return cursor }
        let head = try await read(EventQuery(after: nil, limit: 0)).head
        // Another call may have set it while this one waited.
        if cursor == nil { cursor = head }
        return cursor ?? head
    }

    /// Reads and fans out everything after the cursor. Errors are logged and retried at
    /// the next wake-up: a store outage must not end the loop.
    private func readNewEvents() async {
        do {
            var after = try await currentCursor()
            if subscribers.isEmpty {
                // Nobody to deliver to: move to the head without reading the events.
                let head = try await read(EventQuery(after: after, limit: 0)).nextAfter
                // One may have subscribed meanwhile, starting after the old cursor: then the
                // events must be read for it, at the next wake-up.
                if subscribers.isEmpty { cursor = max(after, head) }
                return
            }
            while true {
                let page = try await read(EventQuery(after: after, limit: configuration.pageSize))
                // No suspension from here to the cursor update: a subscriber registered
                // meanwhile starts after the old cursor and is offered these events.
                deliver(page.events)
                after = max(after, page.nextAfter)
                cursor = after
                if page.events.count < configuration.pageSize { return }
            }
        } catch {
            logger.loopFailure("reading the event log failed; retrying", error: error)
        }
    }

    /// One store read under a deadline: a query lost with its connection (a database
    /// restart) must not stall the loop, nor the shutdown that waits for it.
    private func read(_ query: EventQuery) async throws -> EventPage {
        let store = store
        return try await withDeadline(.seconds(5), "reading the event log") { try await store.readEvents(query) }
    }

    private func deliver(_ events: [LogEvent]) {
        guard !subscribers.isEmpty, !events.isEmpty else { return }
        var batches: [Int: [EventSubscription.Delivery]] = [:]
        for event in events {
            var json: Data?
            for (id, subscription) in subscribers where subscription.filter.matches(event) {
                if json == nil { json = try? ConveyorJSON.encode(event) }
                guard let json else { break }
                batches[id, default: []].append(EventSubscription.Delivery(event: event, json: json))
            }
        }
        // One item per subscriber per read: the reader writes it with one call.
        for (id, batch) in batches {
            if let subscription = subscribers[id], !subscription.offer(.events(batch)) {
                subscribers.removeValue(forKey: id)
            }
        }
    }

    private func remove(_ id: Int) {
        subscribers.removeValue(forKey: id)
    }

    private func stop() {
        state = .stopped
        for subscription in subscribers.values { subscription.finish() }
        subscribers = [:]
    }
}
