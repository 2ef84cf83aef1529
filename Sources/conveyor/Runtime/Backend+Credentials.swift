import ConveyorCore
import ConveyorPostgres
import ConveyorSQLite

extension Backend {
    /// Tenants and API keys, in the same database as the jobs.
    func credentialStore() -> any CredentialStore {
        switch store {
        case let sqlite as SQLiteJobStore:
            return SQLiteCredentialStore(sqlite)
        case let postgres as PostgresJobStore:
            return PostgresCredentialStore(postgres)
        default:
            // Backends are made by DatabaseLocation.openBackend, which knows only these two.
            preconditionFailure("no credential store for \(type(of: store))")
        }
    }
}
