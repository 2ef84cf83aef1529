import ConveyorCore
import ConveyorSQLite
import Foundation
import Testing

/// The SQLite file holds API key hashes and webhook and inbound secrets: it and its WAL
/// and shared-memory files are the owner's alone.
@Suite("SQLite file modes")
struct SQLiteFileModeTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func theDatabaseAndItsWALAndSHMAreCreatedOwnerOnly() async throws {
        let path = TestFiles.temporaryPath("sqlite")
        let store = try SQLiteJobStore(path: path)
        try await store.migrate()
        // A write, so the WAL holds pages and both side files exist.
        _ = try await store.insertJobs([NewJob(type: "t", payload: [:], runAt: Date(), tenant: "default", createdAt: Date())])
        for file in [path, path + "-wal", path + "-shm"] {
            #expect(FileManager.default.fileExists(atPath: file), "\(file) was not created")
            let mode = try Self.mode(file)
            #expect(mode == 0o600, "\(file) is \(String(mode, radix: 8))")
        }
        // Opened again (a restart), the modes stay.
        let reopened = try SQLiteJobStore(path: path)
        #expect(await reopened.isReady())
        #expect(try Self.mode(path) == 0o600)
    }

    @Test func aMissingDirectoryIsAClearError() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-dir-\(JobID.make())/conveyor.sqlite").path
        #expect(throws: SQLiteFileError.self) { try SQLiteJobStore(path: path) }
    }
}
