import ConveyorCore
import ConveyorPostgres
import ConveyorSQLite
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The stores every conformance test runs against. PostgreSQL joins when
/// `CONVEYOR_TEST_POSTGRES_URL` names a server (scripts/with-postgres.sh sets it).
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static var allCases: [StoreKind] {
        PostgresTestDatabase.url == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    var testDescription: String { rawValue }

    /// A fresh, migrated store on its own database.
    func make() async throws -> any StoreDriver {
        switch self {
        case .sqlite:
            let store = try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite"))
            try await store.migrate()
            return store
        case .postgres:
            let store = try await PostgresTestDatabase.makeStore()
            try await store.migrate()
            return store
        }
    }
}

/// Fresh databases on the server `CONVEYOR_TEST_POSTGRES_URL` names: one per store, so
/// tests running in parallel never see each other's jobs.
enum PostgresTestDatabase {
    static let url = ProcessInfo.processInfo.environment["CONVEYOR_TEST_POSTGRES_URL"]

    static var logger: Logger {
        var logger = Logger(label: "test.postgres")
        logger.logLevel = .critical
        return logger
    }

    /// The pool tasks of the stores made so far. They run until the test process ends;
    /// a small pool and a short idle timeout keep ~30 stores well below the server's
    /// connection limit.
    private static let runners = Mutex<[Task<Void, any Error>]>([])

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String { "CONVEYOR_TEST_POSTGRES_URL is not set" }
    }

    /// Creates an empty database and returns a configuration that points at it.
    static func create() async throws -> PostgresClient.Configuration {
        guard let url else { throw NotConfigured() }
        var configuration = try PostgresJobStore.configuration(url: url)
        // Letters and digits only, so the name is safe to splice into the statement.
        let name = "conveyor_test_" + JobID.make().filter { $0 != "-" }
        let admin = configuration
        try await oneAtATime {
            let client = PostgresClient(configuration: admin, backgroundLogger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                try await client.query("CREATE DATABASE \(unescaped: name)", logger: logger)
            }
        }
        configuration.database = name
        configuration.options.maximumConnections = 4
        configuration.options.connectionIdleTimeout = .seconds(5)
        return configuration
    }

    /// The tail of the chain of database creations.
    private static let lastCreation = Mutex<Task<Void, Never>?>(nil)

    /// Runs database creations one after another. Each copies a template and writes it
    /// all to the WAL; thirty at once keep both cores busy for seconds, long enough to
    /// starve the timing-sensitive tests running beside them.
    private static func oneAtATime(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let mine: Task<Void, any Error> = lastCreation.withLock { last in
            let previous = last
            let task = Task {
                await previous?.value
                try await body()
            }
            last = Task { _ = try? await task.value }
            return task
        }
        try await mine.value
    }

    /// A running, unmigrated store on a fresh database, or on `configuration`'s database.
    static func makeStore(on configuration: PostgresClient.Configuration? = nil) async throws -> PostgresJobStore {
        let configuration = if let configuration { configuration } else { try await create() }
        let store = PostgresJobStore(configuration: configuration, logger: logger)
        let runner = Task { try await store.run() }
        runners.withLock { $0.append(runner) }
        return store
    }
}

enum TestFiles {
    static func temporaryPath(_ ext: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-test-\(JobID.make()).\(ext)").path
    }
}

import Testing

/// Polls `condition` until it holds or `timeout` passes. For engine tests, where the
/// work happens on other tasks; the store is the only thing observed. The timeout is a
/// hang guard, not a speed assertion: generous, so a loaded machine never trips it.
func waitUntil(
    timeout: Duration = .seconds(30), _ what: String = "condition", sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
    throw TimedOut()
}

struct TimedOut: Error {}

extension NewJob {
    /// A job due now (or at `runAt`) on the clock's time.
    static func test(
        type: String = "test", queue: String = "default", priority: Int = 0, runAt: Date? = nil, at now: Date,
        maxAttempts: Int = 3, idempotencyKey: String? = nil, tenant: String = "default", tags: [String] = []
    ) -> NewJob {
        NewJob(
            type: type, queue: queue, priority: priority, payload: ["n": 1], runAt: runAt ?? now, maxAttempts: maxAttempts,
            backoff: .fixed(seconds: 10), idempotencyKey: idempotencyKey, tags: tags, tenant: tenant, createdAt: now)
    }
}
