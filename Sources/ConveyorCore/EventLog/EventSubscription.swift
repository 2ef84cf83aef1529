import Foundation
import Synchronization

/// One live reader of the ``EventTailer``: a bounded buffer the tailer fills and the
/// reader drains. The tailer never waits for a reader: when the buffer is full the
/// subscription ends as overflowed, and the reader should disconnect its client, which
/// reconnects and resumes from the log.
public final class EventSubscription: Sendable {
    public enum Item: Sendable {
        /// Events in log order, each with its JSON encoded once for every reader. A batch
        /// per read of the log, so a reader can write them with one call.
        case events([Delivery])
        /// Nothing happened for a while; lets the reader prove its connection alive.
        case heartbeat
    }

    public struct Delivery: Sendable {
        public let event: LogEvent
        public let json: Data
    }

    /// Live events come after this id; older ones are the reader's to replay from the log.
    public let startAfter: Int64
    public let filter: EventFilter
    /// The buffered items, in log order.
    public let items: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation
    private let ending: AsyncStream<Bool>
    private let endingContinuation: AsyncStream<Bool>.Continuation
    private let overflowedFlag = Atomic<Bool>(false)
    /// Events buffered and not yet taken by the reader; the bound applies to these.
    private let pending = Atomic<Int>(0)
    private let bufferSize: Int

    init(startAfter: Int64, filter: EventFilter, bufferSize: Int, onEnd: @escaping @Sendable () -> Void) {
        self.startAfter = startAfter
        self.filter = filter
        self.bufferSize = max(1, bufferSize)
        (items, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingOldest(self.bufferSize))
        (ending, endingContinuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
        continuation.onTermination = { _ in onEnd() }
    }

    /// True once the buffer overflowed.
    public var overflowed: Bool { overflowedFlag.load(ordering: .relaxed) }

    /// Buffers an item; on overflow ends the subscription. Returns false once it has ended.
    @discardableResult
    func offer(_ item: Item) -> Bool {
        if case .events(let batch) = item,
            pending.add(batch.count, ordering: .relaxed).newValue > bufferSize
        {
            return overflow()
        }
        switch continuation.yield(item) {
        case .enqueued: return true
        case .dropped: return overflow()
        case .terminated: return false
        @unknown default: return false
        }
    }

    /// The reader took `count` events off the buffer.
    public func taken(_ count: Int) {
        pending.subtract(count, ordering: .relaxed)
    }

    private func overflow() -> Bool {
        overflowedFlag.store(true, ordering: .relaxed)
        endingContinuation.yield(true)
        finish()
        return false
    }

    /// Adds a heartbeat to the buffer, so a reader that stopped reading overflows even
    /// when no event matches its filter.
    public func heartbeat() {
        offer(.heartbeat)
    }

    /// Ends the subscription: the reader sees the end of ``items`` after what is buffered.
    public func finish() {
        continuation.finish()
        endingContinuation.finish()
    }

    /// Waits until the subscription ends; true when it ended by overflowing. A reader
    /// stuck writing to a client that does not read races this against its writes.
    public func waitForEnd() async -> Bool {
        for await overflowed in ending { return overflowed }
        return overflowed
    }
}
