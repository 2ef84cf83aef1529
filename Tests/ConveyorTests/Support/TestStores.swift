import ConveyorCore
import ConveyorSQLite
import Foundation

/// The stores every conformance test runs against. PostgreSQL joins when its driver lands.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite

    var testDescription: String { rawValue }

    /// A fresh, migrated store on its own database.
    func make() async throws -> any JobStore {
        switch self {
        case .sqlite:
            let store = try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite"))
            try await store.migrate()
            return store
        }
    }
}

enum TestFiles {
    static func temporaryPath(_ ext: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-test-\(JobID.make()).\(ext)").path
    }
}

import Testing

/// Polls `condition` until it holds or `timeout` passes. For engine tests, where the
/// work happens on other tasks; the store is the only thing observed.
func waitUntil(
    timeout: Duration = .seconds(10), _ what: String = "condition", sourceLocation: SourceLocation = #_sourceLocation,
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
