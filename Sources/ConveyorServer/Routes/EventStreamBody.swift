import ConveyorCore
import Hummingbird
import Logging
import ServiceLifecycle

/// Writes one SSE response: the replay from the log, then the live subscription, with a
/// keep-alive comment whenever the stream would otherwise stay quiet.
///
/// Three tasks race: the pump writing to the client, the keep-alive ticker, and a watch
/// on the subscription. When the subscription overflows (the client reads too slowly)
/// the pump is cancelled even while it waits on a client that stopped reading, and the
/// connection is closed; the client resumes with `Last-Event-ID`.
struct EventStreamBody: Sendable {
    let conveyor: Conveyor
    let caller: Caller
    let subscription: EventSubscription
    let resumeAfter: Int64?
    let firstPage: EventPage?
    let keepAlive: Duration
    let logger: Logger
    /// The stream's place under the caps; held as long as the response body is.
    let slot: EventStreamSlot

    struct Overflowed: Error, CustomStringConvertible {
        var description: String { "the event stream client fell too far behind and was disconnected" }
    }

    private enum Ending: Sendable {
        case pumpDone, subscriptionEnded(overflowed: Bool), tickerStopped
    }

    func write(_ writer: inout any ResponseBodyWriter) async throws {
        let box = WriterBox(writer)
        let subscription = subscription
        defer { subscription.finish() }
        let overflowed = try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Ending.self) { group in
                group.addTask {
                    try await self.pump(box)
                    return .pumpDone
                }
                group.addTask { .subscriptionEnded(overflowed: await subscription.waitForEnd()) }
                let keepAlive = keepAlive
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: keepAlive)
                        subscription.heartbeat()
                    }
                    return .tickerStopped
                }
                defer { group.cancelAll() }
                while let ending = try await group.next() {
                    switch ending {
                    case .pumpDone: return false
                    case .subscriptionEnded(overflowed: true): return true
                    // The pump drains what is buffered and then ends too.
                    case .subscriptionEnded(overflowed: false), .tickerStopped: continue
                    }
                }
                return false
            }
        } onGracefulShutdown: {
            // Ends the stream, so an open connection does not hold up the server's shutdown.
            subscription.finish()
        }
        if overflowed {
            logger.info("event stream client disconnected: its buffer overflowed")
            throw Overflowed()
        }
        writer = box.writer
        try await writer.finish(nil)
    }

    private func pump(_ box: WriterBox) async throws {
        let startAfter = subscription.startAfter
        // A bare comment first, so the client sees the stream open once it is subscribed.
        try await box.writer.write(ByteBuffer(string: ": connected\n\n"))
        var last = resumeAfter ?? startAfter
        if var page = firstPage, var cursor = resumeAfter {
            while true {
                var buffer = ByteBuffer()
                for event in page.events where event.id > last && event.id <= startAfter && subscription.filter.matches(event) {
                    Self.append(id: event.id, type: event.type, json: try ConveyorJSON.encode(event), to: &buffer)
                    last = event.id
                }
                if buffer.readableBytes > 0 { try await box.writer.write(buffer) }
                guard page.nextAfter < startAfter, page.nextAfter > cursor else { break }
                cursor = page.nextAfter
                page = try await conveyor.readEvents(
                    subscription.filter.query(after: cursor, limit: EventStreamRoute.replayPage), as: caller)
            }
            // Everything up to the subscription's start is replayed; live events follow it.
            last = max(last, startAfter)
        }
        for await item in subscription.items {
            switch item {
            case .events(let batch):
                subscription.taken(batch.count)
                var buffer = ByteBuffer()
                for delivery in batch where delivery.event.id > last {
                    last = delivery.event.id
                    Self.append(id: last, type: delivery.event.type, json: delivery.json, to: &buffer)
                }
                if buffer.readableBytes > 0 { try await box.writer.write(buffer) }
            case .heartbeat:
                try await box.writer.write(ByteBuffer(string: ": keep-alive\n\n"))
            }
        }
    }

    /// One SSE message. Conveyor's JSON has no line breaks, so `data:` is one line.
    static func append(id: Int64, type: String, json: some Collection<UInt8>, to buffer: inout ByteBuffer) {
        buffer.writeString("id: \(id)\nevent: \(type)\ndata: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
    }
}

/// Hands the response writer to the pump task. Only the pump touches it while the task
/// group runs; the route reads it back only after the group has ended. The writer itself
/// is not `Sendable`, hence the unchecked box.
private final class WriterBox: @unchecked Sendable {
    var writer: any ResponseBodyWriter

    init(_ writer: any ResponseBodyWriter) {
        self.writer = writer
    }
}
