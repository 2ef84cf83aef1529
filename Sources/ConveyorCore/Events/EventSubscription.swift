import Foundation
import Synchronization

/// One live reader of the ``EventTailer``: a bounded buffer the tailer fills and the
/// reader drains. The tailer never waits for a reader: when the buffer is full the
/// subscription ends as overflowed, and the reader should disconnect its client, which
/// reconnects and resumes from the log.
public final class EventSubscription: Sendable {
    public enum Item: Sendable {
        /// An event, with its JSON encoded once for every reader.
        case event(LogEvent, json: Data)
        /// Nothing happened for a while; lets the reader prove its connection alive.
        case heartbeat
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

    init(startAfter: Int64, filter: EventFilter, bufferSize: Int, onEnd: @escaping @Sendable () -> Void) {
        self.startAfter = startAfter
        self.filter = filter
        (items, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingOldest(max(1, bufferSize)))
        (ending, endingContinuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
        continuation.onTermination = { _ in onEnd() }
    }

    /// True once the buffer overflowed.
    public var overflowed: Bool { overflowedFlag.load(ordering: .relaxed) }

    /// Buffers an item; on overflow ends the subscription. Returns false once it has ended.
    @discardableResult
    func offer(_ item: Item) -> Bool {
        switch continuation.yield(item) {
        case .enqueued: return true
        case .dropped:
            overflowedFlag.store(true, ordering: .relaxed)
            endingContinuation.yield(true)
            finish()
            return false
        case .terminated: return false
        @unknown default: return false
        }
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
