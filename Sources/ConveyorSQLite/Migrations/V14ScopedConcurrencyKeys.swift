extension SQLiteSchema {
    /// `v14-scoped-concurrency-keys`: concurrency keys scoped to their tenant (ConveyorCore's
    /// `ConcurrencyKey`): keys that jobs named before move into their tenant's scope.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V14ScopedConcurrencyKeys {
        static let identifier = "v14-scoped-concurrency-keys"
        static let statements: [String] = [
            """
            UPDATE jobs SET concurrency_key = tenant || char(31) || concurrency_key
            WHERE concurrency_key <> tenant AND instr(concurrency_key, char(31)) = 0;
            UPDATE circuits SET key = tenant || char(31) || key
            WHERE key <> tenant AND instr(key, char(31)) = 0;
            """,
        ]
    }
}
