import ConveyorCore
import GRDB

extension SQLiteJobStore {
    public func queueNames(tenant: String) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT queue FROM jobs WHERE tenant = ? ORDER BY queue", arguments: [tenant])
        }
    }
}
