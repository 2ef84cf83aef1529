import GRDB
import ServiceLifecycle

/// Copies the write-ahead log back into the database file from a connection of its own,
/// so the writer does not have to.
///
/// SQLite's default is that the commit which takes the log past 1,000 pages runs the
/// checkpoint itself, inside the single writer: measured on the drain, checkpoints were
/// about half of commit time (docs/performance.md). A passive checkpoint from another
/// connection runs beside the writer, on the other core, and never blocks it. The writer
/// keeps its own checkpoint as a backstop, at ``SQLiteJobStore/writerCheckpointPages``,
/// should this service stop or fall behind.
struct SQLiteCheckpointer: Service {
    let path: String
    /// How often to look; a passive checkpoint with nothing to copy costs a few microseconds.
    var interval: Duration = .milliseconds(20)

    func run() async throws {
        var configuration = Configuration()
        // Never wait on the writer: a checkpoint that cannot run now runs at the next tick.
        configuration.busyMode = .immediateError
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            _ = try? await connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            try? await Task.sleep(for: interval)
        }
    }
}
