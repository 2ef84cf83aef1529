import ConveyorCore
import ConveyorPostgres
import Foundation
import GRDB
import PostgresNIO
import Testing

@testable import ConveyorSQLite

extension StoreKind {
    /// Two stores on one fresh database, neither migrated: two nodes (or two processes on
    /// one SQLite file) starting at once.
    func makeUnmigratedPair() async throws -> (any StoreDriver, any StoreDriver) {
        switch self {
        case .sqlite:
            let path = TestFiles.temporaryPath("sqlite")
            return (try SQLiteJobStore(path: path), try SQLiteJobStore(path: path))
        case .postgres:
            let configuration = try await PostgresTestDatabase.create()
            return (
                try await PostgresTestDatabase.makeStore(on: configuration), try await PostgresTestDatabase.makeStore(on: configuration)
            )
        }
    }
}

/// The ``StoreLifecycle`` contract, run once per driver: migrating is idempotent and safe
/// from several nodes at once, and readiness tells a current schema from a missing one.
@Suite("StoreLifecycle conformance")
struct StoreLifecycleConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    // MARK: migrate

    @Test(arguments: StoreKind.allCases)
    func migrateIsIdempotentAndSafeFromConcurrentCalls(kind: StoreKind) async throws {
        let (a, b) = try await kind.makeUnmigratedPair()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { try await a.migrate() } }
            try await group.waitForAll()
        }
        // Once more, and from a second node, on a current schema: nothing to do, nothing lost.
        let job = try await a.insertJobs([.test(at: t0)])[0].job
        try await a.migrate()
        try await b.migrate()
        #expect(try await b.job(id: job.id) == job)
        #expect(try await b.readEvents(EventQuery(after: 0)).events.map(\.type) == ["job.submitted"])
    }

    /// Two nodes (two processes on one SQLite file) starting on a fresh database at once.
    /// GRDB's migrator reads which migrations ran before it takes the write lock, so
    /// without `MigrationLock` both could run the first migration and one would fail with
    /// "table jobs already exists". The race is narrow: several fresh files try it.
    @Test(arguments: StoreKind.allCases)
    func migrateFromTwoNodesAtOnce(kind: StoreKind) async throws {
        for _ in 0..<(kind == .sqlite ? 10 : 1) {
            let (a, b) = try await kind.makeUnmigratedPair()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in [a, b] { group.addTask { try await store.migrate() } }
                try await group.waitForAll()
            }
            #expect(await a.isReady())
            #expect(await b.isReady())
            let job = try await a.insertJobs([.test(at: t0)])[0].job
            #expect(try await b.job(id: job.id) == job)
        }
    }

    // MARK: isReady

    @Test(arguments: StoreKind.allCases)
    func isReadyOnlyOnceTheSchemaIsCurrent(kind: StoreKind) async throws {
        let (store, _) = try await kind.makeUnmigratedPair()
        #expect(await store.isReady() == false, "a fresh database has no schema")
        try await store.migrate()
        #expect(await store.isReady())
        #expect(await store.isReady(), "asking changes nothing")
    }

    // MARK: isOutOfSpace

    /// ``StoreDiagnostics``: the store recognises its own database's "no space" error
    /// (SQLITE_FULL; PostgreSQL's `disk_full`, 53100, also inside a transaction), and no other.
    @Test(arguments: StoreKind.allCases)
    func isOutOfSpaceRecognisesOnlyTheDatabasesFullError(kind: StoreKind) async throws {
        let store = try await kind.make()
        struct Unrelated: Error {}
        #expect(store.isOutOfSpace(Unrelated()) == false)
        #expect(store.isOutOfSpace(ConveyorError.notFound(job: "x")) == false)
        // A constraint violation is a database error, but not a full one.
        let job = NewJob.test(at: t0)
        _ = try await store.insertJobs([job])
        do {
            _ = try await store.insertJobs([.test(at: t0), job, job])
            Issue.record("a repeated id in one batch is refused")
        } catch {
            #expect(store.isOutOfSpace(error) == false, "\(String(reflecting: error))")
        }

        switch store {
        case let sqlite as SQLiteJobStore:
            // The file's page limit stands in for a full disk: SQLite reports both as SQLITE_FULL.
            let pages = try await sqlite.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
            try await sqlite.pool.write { db in try db.execute(sql: "PRAGMA max_page_count = \(pages)") }
            var big = NewJob.test(at: t0)
            big.payload = ["text": .string(String(repeating: "x", count: 200_000))]
            do {
                _ = try await sqlite.insertJobs([big])
                Issue.record("a write past the page limit fails")
            } catch {
                #expect(sqlite.isOutOfSpace(error), "\(String(reflecting: error))")
            }
        case let postgres as PostgresJobStore:
            let full = "DO $$ BEGIN RAISE EXCEPTION 'no space' USING ERRCODE = 'disk_full'; END $$"
            do {
                try await postgres.client.query(PostgresQuery(unsafeSQL: full))
                Issue.record("the statement raises")
            } catch {
                #expect(postgres.isOutOfSpace(error), "\(String(reflecting: error))")
            }
            do {
                try await postgres.client.withTransaction(logger: PostgresTestDatabase.logger) { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: full), logger: PostgresTestDatabase.logger)
                }
                Issue.record("the transaction fails")
            } catch {
                #expect(postgres.isOutOfSpace(error), "wrapped in a transaction error: \(String(reflecting: error))")
            }
        default:
            Issue.record("no out-of-space case for \(type(of: store))")
        }
    }
}
