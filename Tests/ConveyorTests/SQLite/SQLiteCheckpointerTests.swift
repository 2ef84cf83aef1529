import ConveyorCore
import ConveyorSQLite
import Foundation
import ServiceLifecycle
import Testing

/// The write-ahead log is copied back into the database file beside the writer, by the
/// backend's checkpointer service, long before the writer's own backstop would.
@Suite("SQLite checkpointer")
struct SQLiteCheckpointerTests {
    @Test func theBackendsServiceCopiesTheLogIntoTheDatabaseFile() async throws {
        let path = TestFiles.temporaryPath("sqlite")
        let backend = try SQLiteBackend.open(path: path)
        try await backend.lifecycle.migrate()
        @Sendable func size() throws -> Int { (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0 }
        try await backend.withServices {
            let before = try size()
            // A few hundred pages in the log: under the writer's backstop of 10,000, so
            // only the checkpointer moves them into the file.
            for _ in 0..<20 {
                let jobs = (0..<100).map { _ in
                    NewJob(type: "t", payload: ["pad": .string(String(repeating: "x", count: 400))], runAt: Date(), tenant: "default", createdAt: Date())
                }
                _ = try await backend.jobs.insertJobs(jobs)
            }
            try await waitUntil("the log to be checkpointed into the database file") { try size() > before + 500_000 }
        }
    }
}
