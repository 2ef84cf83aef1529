@testable import ConveyorCore
import ConveyorPostgres
import ConveyorSQLite
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The event bus suites, grouped so `swift test --filter EventBus` runs them all.
@Suite enum EventBusTests {}

/// A database that can be opened again, as a restarted process would: the same SQLite
/// file, or the same PostgreSQL database through a new pool.
struct ReopenableStore: Sendable {
    let open: @Sendable () async throws -> any StoreDriver

    static func make(_ kind: StoreKind) async throws -> ReopenableStore {
        switch kind {
        case .sqlite:
            let path = TestFiles.temporaryPath("sqlite")
            return ReopenableStore {
                let store = try SQLiteJobStore(path: path)
                try await store.migrate()
                return store
            }
        case .postgres:
            let configuration = try await PostgresTestDatabase.create()
            return ReopenableStore {
                let store = try await PostgresTestDatabase.makeStore(on: configuration)
                try await store.migrate()
                return store
            }
        }
    }
}

/// What handlers saw, in the order they saw it.
actor Deliveries {
    private(set) var events: [(consumer: String, event: ConveyorCore.LogEvent)] = []

    func record(_ event: ConveyorCore.LogEvent, by consumer: String = "") {
        events.append((consumer, event))
    }

    var ids: [Int64] { events.map(\.event.id) }
    var consumers: Set<String> { Set(events.map(\.consumer)) }

    func ids(key: String) -> [Int64] { events.filter { $0.event.key == key }.map(\.event.id) }
    func count(_ id: Int64) -> Int { events.filter { $0.event.id == id }.count }
}

/// A consumer running in its own task, stoppable like a process would be.
struct RunningConsumer {
    let consumer: EventConsumer
    let task: Task<Void, any Error>

    static func start(_ consumer: EventConsumer) -> RunningConsumer {
        RunningConsumer(consumer: consumer, task: Task { try await consumer.run() })
    }

    /// Stops delivery; the consumer releases its lease, as at a graceful shutdown.
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Stops without releasing the lease, as a process killed mid-stream.
    func die() async {
        consumer.releasesLeaseOnStop.store(false, ordering: .relaxed)
        await stop()
    }
}

extension Conveyor {
    /// A Conveyor over `store` for event bus tests: quiet, on a manual clock.
    static func forBus(_ store: any StoreDriver, clock: ManualClock = ManualClock(), registry: JobRegistry = JobRegistry()) -> Conveyor {
        var logger = Logger(label: "test.bus")
        logger.logLevel = .critical
        return Conveyor(store: store, registry: registry, clock: clock, logger: logger)
    }

    /// Publishes `count` events on `topic`, keys cycling through `keys`.
    @discardableResult
    func publishMany(_ count: Int, topic: String = "entry.saved", keys: [String] = ["a", "b", "c"]) async throws -> [ConveyorCore.LogEvent] {
        var events: [ConveyorCore.LogEvent] = []
        for n in 0..<count {
            events.append(
                try await publish(PublishEventRequest(topic: topic, key: keys[n % keys.count], data: ["n": .number(Double(n))])).event)
        }
        return events
    }
}

/// Fast options for tests: tiny backoff, short leases.
func testConsumerOptions(
    owner: String = "consumer-\(JobID.make().suffix(6))", maxAttempts: Int = 3, lease: Duration = .seconds(30),
    start: GroupRegistration.Start = .earliest, batchSize: Int = 10
) -> ConsumerOptions {
    ConsumerOptions(
        maxAttempts: maxAttempts, backoff: .fixed(seconds: 0.01), batchSize: batchSize, concurrency: 4, start: start,
        leaseDuration: lease, pollInterval: .milliseconds(50), owner: owner)
}

/// The JSON of a value. Events read back from JSON are compared this way: a parsed
/// RFC 3339 time can differ from the stored one in the last bits of the `Date`, while
/// both print the same millisecond.
func json(_ value: some Encodable) throws -> String {
    String(decoding: try ConveyorJSON.encode(value), as: UTF8.self)
}
