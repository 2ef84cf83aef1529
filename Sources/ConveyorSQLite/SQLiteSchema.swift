import GRDB

/// Versioned migrations of the SQLite schema. Add a migration; never edit a shipped one: a
/// database that ran it keeps what it made, so a changed text would leave fresh and upgraded
/// databases with different schemas.
enum SQLiteSchema {
    struct Migration: Sendable {
        /// GRDB's name for it, recorded in `grdb_migrations`.
        var identifier: String
        /// Each runs as one `execute(sql:)`, and may hold several statements.
        var statements: [String]
    }

    /// Every migration, in order; version N is the Nth. Each one's text lives in
    /// `Migrations/`, one frozen file per migration: MigrationTests pins a hash of each, and
    /// checks that a database upgraded one step at a time ends with the same schema as one
    /// migrated at once.
    static let migrations: [Migration] = [
        Migration(identifier: V01Jobs.identifier, statements: V01Jobs.statements),
        Migration(identifier: V02Auth.identifier, statements: V02Auth.statements),
        Migration(identifier: V03Events.identifier, statements: V03Events.statements),
        Migration(identifier: V04EventBus.identifier, statements: V04EventBus.statements),
        Migration(identifier: V05Workflows.identifier, statements: V05Workflows.statements),
        Migration(identifier: V06Webhooks.identifier, statements: V06Webhooks.statements),
        Migration(identifier: V07Inbound.identifier, statements: V07Inbound.statements),
        Migration(identifier: V08FlowControl.identifier, statements: V08FlowControl.statements),
        Migration(identifier: V09Schedules.identifier, statements: V09Schedules.statements),
        Migration(identifier: V10Unique.identifier, statements: V10Unique.statements),
        Migration(identifier: V11KeyedClaim.identifier, statements: V11KeyedClaim.statements),
        Migration(identifier: V12Secrets.identifier, statements: V12Secrets.statements),
        Migration(identifier: V13SchedulesByTenant.identifier, statements: V13SchedulesByTenant.statements),
        Migration(identifier: V14ScopedConcurrencyKeys.identifier, statements: V14ScopedConcurrencyKeys.statements),
        Migration(identifier: V15RemoteWorkers.identifier, statements: V15RemoteWorkers.statements),
    ]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.identifier) { db in
                for statement in migration.statements {
                    try db.execute(sql: statement)
                }
            }
        }
        return migrator
    }
}

extension SQLiteJobStore {
    /// Applies the migrations up to `version` (the Nth) only, as a database last migrated by
    /// an older Conveyor has them: the tests upgrade one step at a time with it.
    func migrate(upTo version: Int) async throws {
        try MigrationLock.holding(forDatabaseAt: path) {
            try SQLiteSchema.migrator.migrate(pool, upTo: SQLiteSchema.migrations[version - 1].identifier)
        }
    }
}
