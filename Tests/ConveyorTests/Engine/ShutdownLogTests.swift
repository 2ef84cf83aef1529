import ConveyorCore
import Foundation
import Logging
import Synchronization
import Testing

/// Keeps every log record, for tests that check what a run logged.
final class RecordedLogs: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
    }

    private let records = Mutex<[Record]>([])

    var all: [Record] { records.withLock { $0 } }
    func errors() -> [Record] { all.filter { $0.level >= .error } }

    func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(logs: self) }
        logger.logLevel = .trace
        return logger
    }

    func append(_ record: Record) { records.withLock { $0.append(record) } }

    struct Handler: LogHandler {
        let logs: RecordedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(
            level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String,
            line: UInt
        ) {
            logs.append(Record(level: level, message: "\(message)"))
        }
    }
}

/// Stopping is not failing: a loop whose store call is cancelled at shutdown logs no error.
@Suite("Shutdown logs")
struct ShutdownLogTests {
    struct StoreDown: Error {}

    @Test func aCancellationIsDebugAndAFailureIsAnError() async {
        let logs = RecordedLogs()
        let logger = logs.logger()
        logger.loopFailure("reading the event log failed; retrying", error: CancellationError())
        logger.loopFailure("reading the event log failed; retrying", error: StoreDown())
        // A driver's own error for a query cancelled with its task is a cancellation too.
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            logger.loopFailure("claiming jobs failed", error: StoreDown())
        }
        await task.value
        #expect(logs.all.map(\.level) == [.debug, .error, .debug])
        #expect(logs.all.allSatisfy { $0.message.hasSuffix("failed; retrying") || $0.message == "claiming jobs failed" })
    }

    /// The event log's reader with a live subscriber, stopped again and again while it
    /// reads on a 1 ms poll: each stop used to log `CancellationError … reading the event
    /// log failed; retrying` whenever it caught a read in flight.
    @Test(arguments: StoreKind.allCases)
    func stoppingTheEventReaderLogsNoError(kind: StoreKind) async throws {
        let logs = RecordedLogs()
        let conveyor = Conveyor(store: try await kind.make(), registry: JobRegistry(), logger: logs.logger())
        for round in 0..<20 {
            let tailer = EventTailer(conveyor: conveyor, configuration: .init(pollInterval: .milliseconds(1)))
            let running = Task { try await tailer.run() }
            let subscription = try await tailer.subscribe(EventFilter(), bufferSize: 1000)
            _ = try await conveyor.publish(topic: "entry.saved", data: ["round": round])
            try await Task.sleep(for: .milliseconds(Int.random(in: 5...30)))
            running.cancel()
            _ = try? await running.value
            subscription.finish()
        }
        #expect(logs.errors().isEmpty, "\(logs.errors().map(\.message))")
    }
}
