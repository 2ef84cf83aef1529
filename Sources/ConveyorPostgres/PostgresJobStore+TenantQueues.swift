import ConveyorCore
import PostgresNIO

extension PostgresJobStore {
    public func queueNames(tenant: String) async throws -> [String] {
        try await client.withConnection { db in
            var names: [String] = []
            for try await (queue) in try await db.query(
                "SELECT DISTINCT queue FROM conveyor_jobs WHERE tenant = \(tenant) ORDER BY queue", logger: logger
            ).decode(String.self) {
                names.append(queue)
            }
            return names
        }
    }
}
