import ConveyorCore
import ConveyorPostgres
import Foundation
import Logging
import PostgresNIO
import Testing

/// PostgreSQL hands out sequence ids in call order, not commit order. A reader must never
/// move past an id that a still-running transaction holds, or it skips that event forever.
@Suite("PostgreSQL event ordering", .enabled(if: PostgresTestDatabase.url != nil))
struct PostgresEventOrderingTests {
    @Test func readersNeverPassATransactionStillRunning() async throws {
        let store = try await PostgresTestDatabase.makeStore()
        try await store.migrate()
        let logger = PostgresTestDatabase.logger
        let t0 = Date()
        let early = try await store.insertJobs([.test(at: t0)])[0].job
        let first = try await store.readEvents(EventQuery(after: 0, limit: 100))
        #expect(first.events.map(\.key) == [early.id])

        try await store.client.withConnection { connection in
            _ = try await connection.query("BEGIN", logger: logger).collect()
            // This transaction draws the next event id and stays open…
            _ = try await connection.query(
                "UPDATE conveyor_jobs SET state = 'cancelled', finished_at = now() WHERE id = \(early.id)", logger: logger
            ).collect()
            // …while another commits a later one.
            let late = try await store.insertJobs([.test(at: t0)])[0].job
            let during = try await store.readEvents(EventQuery(after: first.nextAfter, limit: 100))
            #expect(during.events.isEmpty, "read past a transaction still running: \(during.events.map(\.type))")
            #expect(during.nextAfter == first.nextAfter)

            _ = try await connection.query("COMMIT", logger: logger).collect()
            let after = try await store.readEvents(EventQuery(after: during.nextAfter, limit: 100))
            #expect(after.events.map(\.type) == ["job.cancelled", "job.submitted"])
            #expect(after.events.map(\.key) == [early.id, late.id])
        }
    }

    /// Many writers at once, one reader following the head: it sees every event exactly once.
    @Test func aFollowingReaderSeesEveryEventOnceUnderConcurrentWriters() async throws {
        let store = try await PostgresTestDatabase.makeStore()
        try await store.migrate()
        let t0 = Date()
        let writers = 4
        let perWriter = 40
        let reader = Task {
            var seen: [Int64] = []
            var after: Int64 = 0
            while seen.count < writers * perWriter {
                let page = try await store.readEvents(EventQuery(after: after, limit: 50))
                seen += page.events.map(\.id)
                after = page.nextAfter
                if page.events.isEmpty { try await Task.sleep(for: .milliseconds(2)) }
            }
            return seen
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    for _ in 0..<perWriter { _ = try await store.insertJobs([.test(at: t0)]) }
                }
            }
            try await group.waitForAll()
        }
        let seen = try await reader.value
        let all = try await store.readEvents(EventQuery(after: 0, limit: 1000)).events.map(\.id)
        #expect(seen == all)
        #expect(Set(seen).count == writers * perWriter)
    }
}
