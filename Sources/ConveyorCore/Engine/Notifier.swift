/// Wake-ups between the parts of the engine, so workers react to new work and to
/// cancellations without waiting for their poll. Best effort: every consumer also polls.
public enum EngineSignal: Sendable, Hashable {
    /// Jobs may be ready to claim on this queue.
    case jobsAvailable(queue: String)
    /// A running job was asked to cancel.
    case cancelRequested(jobID: String)
    /// The event log has new entries: the ``EventTailer`` reads them now rather than at its poll.
    case eventsAppended
}

/// Delivers ``EngineSignal``s to every subscriber. The in-process ``LocalNotifier`` serves
/// one node; a database-backed notifier (LISTEN/NOTIFY) serves many.
public protocol Notifier: Sendable {
    func notify(_ signals: Set<EngineSignal>) async
    func subscribe() async -> AsyncStream<EngineSignal>
}

/// Fans signals out to the subscribers in this process.
public actor LocalNotifier: Notifier {
    private var subscribers: [Int: AsyncStream<EngineSignal>.Continuation] = [:]
    private var nextID = 0

    public init() {}

    public func notify(_ signals: Set<EngineSignal>) {
        for continuation in subscribers.values {
            for signal in signals { continuation.yield(signal) }
        }
    }

    public func subscribe() -> AsyncStream<EngineSignal> {
        // Newest-only buffering: a wake-up that is already pending says all a late
        // reader needs, and a slow reader never holds memory.
        let (stream, continuation) = AsyncStream.makeStream(of: EngineSignal.self, bufferingPolicy: .bufferingNewest(256))
        let id = nextID
        nextID += 1
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: Int) {
        subscribers.removeValue(forKey: id)
    }
}
