import ConveyorCore
import Foundation
import GRDB
import Testing

@testable import ConveyorSQLite

/// A claim that fails must not take the outcomes riding with it down too: they are written
/// on their own, and claiming resumes once the store answers again.
@Suite struct ClaimFailureTests {
    /// On SQLite outcomes and claim share one transaction, so a failed claim undoes the
    /// outcomes too: only the worker's fallback writes them. The failure is real: the claim
    /// index the claim names is dropped for a while, which outcome writes do not use.
    @Test func outcomesThatRodeWithAFailedClaimAreWrittenOnTheirOwn() async throws {
        let store = try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite"))
        try await store.migrate()
        // One slot: while A runs, B's wake-up finds no room, so A's outcome goes out with
        // the claim that A's finish makes due.
        let h = try await EngineHarness.start(store: store, concurrency: 1)
        let a = try await h.enqueue("sleep", seconds: 0.5)
        await h.starts.waitForStart(a.id)
        try await store.pool.write { db in try db.execute(sql: "DROP INDEX jobs_claim") }
        let b = try await h.enqueue("ok")
        try await h.wait(for: a.id, .succeeded)
        #expect(try await h.job(b.id).state == .queued, "no claim can succeed yet")
        try await store.pool.write { db in
            try db.execute(
                sql: "CREATE INDEX jobs_claim ON jobs (queue, priority DESC, run_at, id) WHERE state = 'queued' AND keyed = 0")
        }
        try await h.wait(for: b.id, .succeeded)
        try await h.stop()
    }
}
