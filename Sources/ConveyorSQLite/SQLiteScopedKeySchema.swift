import GRDB

/// Concurrency keys scoped to their tenant (ConveyorCore's `ConcurrencyKey`): keys that
/// jobs named before are moved into their tenant's scope. Frozen once shipped.
enum SQLiteScopedKeySchema {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE jobs SET concurrency_key = tenant || char(31) || concurrency_key
                WHERE concurrency_key <> tenant AND instr(concurrency_key, char(31)) = 0;
                UPDATE circuits SET key = tenant || char(31) || key
                WHERE key <> tenant AND instr(key, char(31)) = 0;
                """)
    }
}
