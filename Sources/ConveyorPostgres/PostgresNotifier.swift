import ConveyorCore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Wake-ups across nodes through PostgreSQL's LISTEN/NOTIFY.
///
/// A signal reaches this node's subscribers at once and every other node through
/// `pg_notify`. The listening connection lives in a reconnect loop: a lost connection,
/// a failover or a restarted server is logged and retried, never fatal. Signals sent
/// while the listener is away are lost, which is why every consumer also polls.
public final class PostgresNotifier: Notifier, Service {
    public static let channel = "conveyor_signals"

    private let client: PostgresClient
    private let local = LocalNotifier()
    private let logger: Logger

    /// Coalesces ``EngineSignal/eventsAppended`` for other nodes.
    private let eventWakeups: CoalescedSignal

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        self.eventWakeups = CoalescedSignal(interval: .milliseconds(20)) {
            _ = try? await withDeadline(.seconds(5), "sending a signal") {
                try await client.query("SELECT pg_notify(\(Self.channel), 'e:')", logger: logger)
            }
        }
    }

    public func notify(_ signals: Set<EngineSignal>) async {
        guard !signals.isEmpty else { return }
        await local.notify(signals)
        var signals = signals
        if signals.remove(.eventsAppended) != nil {
            // Every claim and completion batch appends events: sending each would put a
            // NOTIFY on the hot path. Other nodes' tailers get one wake-up per interval.
            eventWakeups.request()
        }
        // NOTIFY payloads are limited to 8000 bytes; split large sets.
        var chunk: [String] = []
        var size = 0
        for text in signals.map(Self.encode) {
            if size + text.utf8.count > 7000 {
                await send(chunk)
                chunk = []
                size = 0
            }
            chunk.append(text)
            size += text.utf8.count + 1
        }
        await send(chunk)
    }

    public func subscribe() async -> AsyncStream<EngineSignal> {
        await local.subscribe()
    }

    /// Holds the LISTEN connection until shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var delay = 0.1
            while !Task.isCancelled {
                do {
                    try await self.client.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            self.logger.debug("listening for signals on \(Self.channel)")
                            for try await notification in notifications {
                                await self.local.notify(Self.decode(notification.payload))
                            }
                        }
                    }
                    delay = 0.1
                } catch {
                    // At shutdown the client may close the connection a moment before this
                    // task is cancelled: wait out the backoff first, so the end of the
                    // process is not reported as a failure.
                    try? await Task.sleep(for: .seconds(delay))
                    if Task.isCancelled || Task.isShuttingDownGracefully { return }
                    self.logger.loopFailure("listening for signals failed; reconnecting", error: error)
                    delay = min(delay * 2, 5)
                }
            }
        }
    }

    private func send(_ lines: [String]) async {
        guard !lines.isEmpty else { return }
        let (payload, client, logger) = (lines.joined(separator: "\n"), client, logger)
        do {
            try await withDeadline(.seconds(5), "sending a signal") {
                _ = try await client.query("SELECT pg_notify(\(Self.channel), \(payload))", logger: logger)
            }
        } catch {
            // Best effort: the receivers' polls pick up what a lost signal would have said.
            logger.warning("sending a signal failed", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    static func encode(_ signal: EngineSignal) -> String {
        switch signal {
        case .jobsAvailable(let queue): return "q:" + queue
        case .cancelRequested(let id): return "c:" + id
        case .eventsAppended: return "e:"
        }
    }

    static func decode(_ payload: String) -> Set<EngineSignal> {
        var signals: Set<EngineSignal> = []
        for line in payload.split(separator: "\n") {
            let value = String(line.dropFirst(2))
            if line.hasPrefix("q:") {
                signals.insert(.jobsAvailable(queue: value))
            } else if line.hasPrefix("c:") {
                signals.insert(.cancelRequested(jobID: value))
            } else if line.hasPrefix("e:") {
                signals.insert(.eventsAppended)
            }
        }
        return signals
    }
}
