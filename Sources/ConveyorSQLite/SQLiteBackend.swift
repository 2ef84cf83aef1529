import ConveyorCore

/// The embedded backend: one SQLite file holds jobs, events, credentials and secrets. One
/// process owns it, so it leads alone and wakes its own workers.
public enum SQLiteBackend {
    /// Opens (creating when missing) the database at `path`. Call
    /// ``StoreLifecycle/migrate()`` on ``Backend/lifecycle`` before use.
    public static func open(path: String) throws -> Backend {
        let store = try SQLiteJobStore(path: path)
        return Backend(
            driver: store, credentials: SQLiteCredentialStore(store), services: [SQLiteCheckpointer(path: store.path)])
    }
}
