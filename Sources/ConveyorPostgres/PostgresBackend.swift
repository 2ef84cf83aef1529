import ConveyorCore
import Logging

/// The backend for many nodes: one PostgreSQL database, `LISTEN`/`NOTIFY` to wake workers
/// on every node, and advisory-lock leader election per role.
public enum PostgresBackend {
    /// A backend on the database `url` names. Its ``Backend/services`` (the connection
    /// pool and the `LISTEN` loop) must run before anything uses it.
    public static func open(url: String, logger: Logger) throws -> Backend {
        let store = try PostgresJobStore(url: url, logger: logger)
        let notifier = PostgresNotifier(client: store.client, logger: logger)
        return Backend(
            driver: store, credentials: PostgresCredentialStore(store), notifier: notifier, services: [store, notifier]
        ) { holder, role in
            PostgresLeaderElector(client: store.client, holder: holder, role: role, logger: logger)
        }
    }
}
