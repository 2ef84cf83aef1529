import Foundation

/// Serialises schema migrations across processes (and across stores in one process).
///
/// GRDB's migrator reads which migrations ran before it takes SQLite's write lock, so two
/// processes migrating one fresh file at once could both decide to run the same migration,
/// and the second fails ("table jobs already exists"). An exclusive `flock` on a file
/// beside the database closes that gap: the second migrator starts only once the first is
/// done, and then finds nothing to do. `flock` locks are separate from the POSIX locks
/// SQLite takes on the database itself, and the kernel drops them when a process dies, so
/// a killed migration never leaves the file locked.
enum MigrationLock {
    /// Runs `body` holding the lock for the database at `path`. Blocks the calling thread
    /// while another migration runs: migrations happen once, at startup.
    static func holding<T>(forDatabaseAt path: String, _ body: () throws -> T) throws -> T {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return try body() }
        let lockPath = path + "-migrate.lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SQLiteFileError(path: lockPath, operation: "open the migration lock file", code: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw SQLiteFileError(path: lockPath, operation: "lock", code: errno) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
