import ConveyorCore
import Foundation
import GRDB

/// The registry of remote workers and the job types declared for them.
extension SQLiteJobStore {
    static let workerColumns = """
        id, tenant, name, host, sdk, queues, labels, state, secret, lease_seconds, heartbeat_interval_seconds,
        running, started_at, last_heartbeat_at
        """

    static func remoteWorker(_ row: Row) throws -> RemoteWorker {
        RemoteWorker(
            id: row[0], tenant: row[1], name: row[2], host: row[3], sdk: row[4],
            queues: try SQLiteRow.decode([String: Int].self, row[5]), labels: try SQLiteRow.decode([String: String].self, row[6]),
            state: RemoteWorker.State(rawValue: row[7]) ?? .stopped, secret: row[8], leaseSeconds: row[9],
            heartbeatIntervalSeconds: row[10], running: row[11], startedAt: SQLiteRow.date(row[12] as Int64),
            lastHeartbeatAt: SQLiteRow.date(row[13] as Int64))
    }

    public func registerWorker(_ worker: RemoteWorker) async throws {
        let queues = try SQLiteRow.json(worker.queues)
        let labels = try SQLiteRow.json(worker.labels)
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO workers (\(Self.workerColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    worker.id, worker.tenant, worker.name, worker.host, worker.sdk, queues, labels, worker.state.rawValue,
                    worker.secret, worker.leaseSeconds, worker.heartbeatIntervalSeconds, worker.running,
                    SQLiteRow.millis(worker.startedAt), SQLiteRow.millis(worker.lastHeartbeatAt),
                ])
        }
    }

    public func worker(id: String) async throws -> RemoteWorker? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.workerColumns) FROM workers WHERE id = ?", arguments: [id])
                .map(Self.remoteWorker)
        }
    }

    public func touchWorker(id: String, running: Int, now: Date) async throws -> RemoteWorker? {
        try await pool.write { db in
            try Row.fetchOne(
                db,
                sql: """
                    UPDATE workers SET running = ?, last_heartbeat_at = MAX(last_heartbeat_at, ?) WHERE id = ?
                    RETURNING \(Self.workerColumns)
                    """,
                arguments: [running, SQLiteRow.millis(now), id]
            ).map(Self.remoteWorker)
        }
    }

    public func setWorkerState(id: String, state: RemoteWorker.State) async throws -> RemoteWorker? {
        try await pool.write { db in
            try Row.fetchOne(
                db, sql: "UPDATE workers SET state = ? WHERE id = ? RETURNING \(Self.workerColumns)",
                arguments: [state.rawValue, id]
            ).map(Self.remoteWorker)
        }
    }

    public func listWorkers(tenant: String?) async throws -> [RemoteWorker] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.workerColumns) FROM workers WHERE ?1 IS NULL OR tenant = ?1 ORDER BY started_at DESC, id DESC",
                arguments: [tenant]
            ).map(Self.remoteWorker)
        }
    }

    public func pruneWorkers(silentSince before: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM workers WHERE last_heartbeat_at < ?", arguments: [SQLiteRow.millis(before)])
            return db.changesCount
        }
    }

    // MARK: Declared job types

    static func declaredJobType(_ row: Row) throws -> DeclaredJobType {
        let schema: String? = row[2]
        return DeclaredJobType(
            type: row[0], defaults: try SQLiteRow.decode(JobDefaults.self, row[1]),
            payloadSchema: try schema.map { try SQLiteRow.decode(JSONValue.self, $0) }, declaredBy: row[3],
            updatedAt: SQLiteRow.date(row[4] as Int64))
    }

    static func jobTypeArguments(_ declaration: DeclaredJobType) throws -> StatementArguments {
        [
            declaration.type, try SQLiteRow.json(declaration.defaults), try declaration.payloadSchema.map(SQLiteRow.json),
            declaration.declaredBy, SQLiteRow.millis(declaration.updatedAt),
        ]
    }

    public func putJobType(_ declaration: DeclaredJobType) async throws {
        let arguments = try Self.jobTypeArguments(declaration)
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO job_types (type, defaults, payload_schema, declared_by, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (type) DO UPDATE SET defaults = excluded.defaults, payload_schema = excluded.payload_schema,
                        declared_by = excluded.declared_by, updated_at = excluded.updated_at
                    """,
                arguments: arguments)
        }
    }

    public func declareJobTypesIfAbsent(_ declarations: [DeclaredJobType]) async throws {
        let rows = try declarations.map(Self.jobTypeArguments)
        try await pool.write { db in
            for arguments in rows {
                try db.execute(
                    sql: """
                        INSERT INTO job_types (type, defaults, payload_schema, declared_by, updated_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (type) DO NOTHING
                        """,
                    arguments: arguments)
            }
        }
    }

    public func jobTypes(named types: [String]) async throws -> [DeclaredJobType] {
        guard !types.isEmpty else { return [] }
        let names = try SQLiteRow.json(types)
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT type, defaults, payload_schema, declared_by, updated_at FROM job_types
                    WHERE type IN (SELECT value FROM json_each(?)) ORDER BY type
                    """,
                arguments: [names]
            ).map(Self.declaredJobType)
        }
    }

    public func allJobTypes() async throws -> [DeclaredJobType] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT type, defaults, payload_schema, declared_by, updated_at FROM job_types ORDER BY type")
                .map(Self.declaredJobType)
        }
    }

    public func deleteJobType(_ type: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM job_types WHERE type = ?", arguments: [type])
            return db.changesCount == 1
        }
    }
}
