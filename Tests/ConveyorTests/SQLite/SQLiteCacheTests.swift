import Foundation
import GRDB
import Testing

@testable import ConveyorSQLite

/// The page caches have a bound that does not grow with the tables: the writer keeps the
/// hot pages, each reader a smaller share (a drain of 1,000,000 jobs stays in budget).
@Suite("SQLite page caches")
struct SQLiteCacheTests {
    @Test func theWriterKeepsSixtyFourMegabytesAndEachReaderSixteen() async throws {
        let store = try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite"))
        try await store.migrate()
        let writer = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") }
        let reader = try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") }
        #expect(writer == -65536, "negative: kibibytes")
        #expect(reader == -16384)
    }
}
