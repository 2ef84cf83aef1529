import ConveyorCore
import ConveyorPostgres
import ConveyorSQLite
import Foundation
import PostgresNIO
import Testing

/// What only the PostgreSQL store has to prove: many nodes on one database.
@Suite("PostgreSQL job store", .enabled(if: PostgresTestDatabase.url != nil))
struct PostgresJobStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func migrationsAreIdempotentAndSafeToRunConcurrently() async throws {
        let store = try await PostgresTestDatabase.makeStore()
        #expect(await !store.isReady(), "a fresh database has no schema")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 { group.addTask { try await store.migrate() } }
            try await group.waitForAll()
        }
        try await store.migrate()
        #expect(await store.isReady())
        let rows = try await store.client.query("SELECT version, count(*) FROM conveyor_migrations GROUP BY version")
        var versions: [Int: Int] = [:]
        for try await (version, count) in rows.decode((Int, Int).self) { versions[version] = count }
        #expect(!versions.isEmpty)
        #expect(versions.values.allSatisfy { $0 == 1 }, "each migration recorded once: \(versions)")
        _ = try await store.insertJobs([.test(at: t0)])
    }

    @Test func anOlderSchemaGetsOnlyThePendingMigrations() async throws {
        let store = try await PostgresTestDatabase.makeStore()
        try await store.migrate()
        // Back to version 1, as a database from before `created_by` would be.
        try await store.client.query("ALTER TABLE conveyor_jobs DROP COLUMN created_by")
        try await store.client.query("DELETE FROM conveyor_migrations WHERE version = 2")
        #expect(await !store.isReady(), "a missing migration means not ready")
        try await store.migrate()
        #expect(await store.isReady())
        var new = NewJob.test(at: t0)
        new.createdBy = "dev"
        _ = try await store.insertJobs([new])
        #expect(try await store.job(id: new.id)?.createdBy == "dev")
    }

    @Test func claimsWorkOnceTheSchemaArrives() async throws {
        // A worker that polls before the schema exists must recover once it does: the
        // prepared claim that failed to prepare is not stuck on its connection.
        let store = try await PostgresTestDatabase.makeStore()
        for _ in 0..<3 {
            await #expect(throws: (any Error).self) {
                try await store.claimJobs(queue: "default", limit: 1, owner: "w", leaseUntil: t0.addingTimeInterval(30), now: t0)
            }
        }
        try await store.migrate()
        let job = try await store.insertJobs([.test(at: t0)])[0].job
        let claimed = try await store.claimJobs(queue: "default", limit: 1, owner: "w", leaseUntil: t0.addingTimeInterval(30), now: t0)
        #expect(claimed.map(\.id) == [job.id])
    }

    @Test func nodesMigratingAtOnceAgree() async throws {
        let configuration = try await PostgresTestDatabase.create()
        var nodes: [PostgresJobStore] = []
        for _ in 0..<5 { nodes.append(try await PostgresTestDatabase.makeStore(on: configuration)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for node in nodes { group.addTask { try await node.migrate() } }
            try await group.waitForAll()
        }
        for node in nodes { #expect(await node.isReady()) }
    }

    @Test func twoNodesNeverClaimTheSameJob() async throws {
        let configuration = try await PostgresTestDatabase.create()
        let a = try await PostgresTestDatabase.makeStore(on: configuration)
        let b = try await PostgresTestDatabase.makeStore(on: configuration)
        try await a.migrate()
        try await b.migrate()
        let t0 = self.t0
        let inserted = try await a.insertJobs((0..<500).map { _ in .test(at: t0) })
        let claims = try await withThrowingTaskGroup(of: [String].self) { group in
            for (n, node) in [a, b].enumerated() {
                for w in 0..<4 {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let got = try await node.claimJobs(
                                queue: "default", limit: 9, owner: "node\(n)-w\(w)", leaseUntil: t0.addingTimeInterval(30), now: t0)
                            if got.isEmpty { return mine }
                            mine += got.map(\.id)
                        }
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claims.count == 500, "every job claimed once")
        #expect(Set(claims) == Set(inserted.map(\.job.id)))
    }

    @Test func aJobReadsBackExactlyAsFromSQLite() async throws {
        let sqlite = try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite"))
        try await sqlite.migrate()
        let postgres = try await StoreKind.postgres.make()
        // Times straight from the clock, with every millisecond digit in use.
        let now = SystemClock().now()
        let new = NewJob(
            type: "mixed", queue: "q.1", priority: -7,
            payload: ["text": "ünïcødé \"quoted\" \\ slash/", "n": 0.1, "big": 12345678901234, "neg": -2.5e-7, "list": [1, nil, true],
                      "nested": ["a": ["b": []]]],
            runAt: now, maxAttempts: 5, backoff: .list(seconds: [1.5, 60]), timeoutSeconds: 2.25,
            idempotencyKey: "key-1", tags: ["a", "b c", "ü"], tenant: "acme", metadata: ["owner": "ops", "n": 3],
            createdAt: now, workflowID: "wf", step: "s1", rerunOf: "r0", createdBy: "key:k1")
        for store in [sqlite, postgres] as [any StoreDriver] {
            _ = try await store.insertJobs([new])
        }
        let error = AttemptError(attempt: 1, message: "boom ✗", type: "Boom", at: now.addingTimeInterval(0.123))
        var finals: [Job] = []
        for store in [sqlite, postgres] as [any StoreDriver] {
            let claimed = try await store.claimJobs(
                queue: "q.1", limit: 1, owner: "w", leaseUntil: now.addingTimeInterval(30.007), now: now.addingTimeInterval(0.002))
            let c = try #require(claimed.first)
            #expect(try ConveyorJSON.decode(JSONValue.self, from: c.payload) == new.payload)
            try await store.completeJobs([
                JobOutcome(lease: c.lease, owner: "w", kind: .retry(at: now.addingTimeInterval(61.009), error: error), finishedAt: now)
            ])
            _ = try await store.mergeMetadata(id: new.id, patch: ["owner": nil, "extra": ["x": 1]])
            finals.append(try #require(try await store.job(id: new.id)))
        }
        #expect(finals[0] == finals[1])
    }
}
