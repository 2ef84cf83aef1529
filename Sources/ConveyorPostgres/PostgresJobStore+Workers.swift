import ConveyorCore
import Foundation
import PostgresNIO

/// The registry of remote workers and the job types declared for them. Each method is one
/// statement.
extension PostgresJobStore {
    static let workerColumns: PostgresQuery = """
        id, tenant, name, host, sdk, queues, labels, state, secret, lease_seconds, heartbeat_interval_seconds,
        running, started_at, last_heartbeat_at
        """

    static func remoteWorker(_ row: PostgresRow) throws -> RemoteWorker {
        let cells = row.makeRandomAccess()
        return RemoteWorker(
            id: try cells[0].decode(String.self), tenant: try cells[1].decode(String.self),
            name: try cells[2].decode(String.self), host: try cells[3].decode(String?.self),
            sdk: try cells[4].decode(String?.self), queues: try cells[5].decode(JSONB.self).decode([String: Int].self),
            labels: try cells[6].decode(JSONB.self).decode([String: String].self),
            state: RemoteWorker.State(rawValue: try cells[7].decode(String.self)) ?? .stopped,
            secret: try cells[8].decode(String.self), leaseSeconds: try cells[9].decode(Double.self),
            heartbeatIntervalSeconds: try cells[10].decode(Double.self), running: try cells[11].decode(Int.self),
            startedAt: try cells[12].decode(PostgresTimestamp.self).date,
            lastHeartbeatAt: try cells[13].decode(PostgresTimestamp.self).date)
    }

    public func registerWorker(_ worker: RemoteWorker) async throws {
        _ = try await client.rows(
            """
            INSERT INTO conveyor_workers (\(unescaped: Self.workerColumns.sql)) VALUES (
                \(worker.id), \(worker.tenant), \(worker.name), \(worker.host), \(worker.sdk),
                \(try JSONB(encoding: worker.queues)), \(try JSONB(encoding: worker.labels)), \(worker.state.rawValue),
                \(worker.secret), \(worker.leaseSeconds), \(worker.heartbeatIntervalSeconds), \(worker.running),
                \(PostgresTimestamp(worker.startedAt)), \(PostgresTimestamp(worker.lastHeartbeatAt)))
            """, logger: logger)
    }

    public func worker(id: String) async throws -> RemoteWorker? {
        try await client.rows(
            "SELECT \(unescaped: Self.workerColumns.sql) FROM conveyor_workers WHERE id = \(id)", logger: logger
        ).first.map(Self.remoteWorker)
    }

    public func touchWorker(id: String, running: Int, now: Date) async throws -> RemoteWorker? {
        try await client.rows(
            """
            UPDATE conveyor_workers SET running = \(running),
                last_heartbeat_at = GREATEST(last_heartbeat_at, \(PostgresTimestamp(now)))
            WHERE id = \(id) RETURNING \(unescaped: Self.workerColumns.sql)
            """, logger: logger
        ).first.map(Self.remoteWorker)
    }

    public func setWorkerState(id: String, state: RemoteWorker.State) async throws -> RemoteWorker? {
        try await client.rows(
            """
            UPDATE conveyor_workers SET state = \(state.rawValue) WHERE id = \(id)
            RETURNING \(unescaped: Self.workerColumns.sql)
            """, logger: logger
        ).first.map(Self.remoteWorker)
    }

    public func listWorkers(tenant: String?) async throws -> [RemoteWorker] {
        try await client.rows(
            """
            SELECT \(unescaped: Self.workerColumns.sql) FROM conveyor_workers
            WHERE \(tenant)::text IS NULL OR tenant = \(tenant) ORDER BY started_at DESC, id DESC
            """, logger: logger
        ).map(Self.remoteWorker)
    }

    public func pruneWorkers(silentSince before: Date) async throws -> Int {
        try await client.rows(
            "DELETE FROM conveyor_workers WHERE last_heartbeat_at < \(PostgresTimestamp(before)) RETURNING 1", logger: logger
        ).count
    }

    // MARK: Declared job types

    static func declaredJobType(_ row: PostgresRow) throws -> DeclaredJobType {
        let (type, defaults, schema, by, updated) = try row.decode((String, JSONB, JSONB?, String, PostgresTimestamp).self)
        return DeclaredJobType(
            type: type, defaults: try defaults.decode(JobDefaults.self),
            payloadSchema: try schema.map { try $0.decode(JSONValue.self) }, declaredBy: by, updatedAt: updated.date)
    }

    public func putJobType(_ declaration: DeclaredJobType) async throws {
        _ = try await client.rows(
            """
            INSERT INTO conveyor_job_types (type, defaults, payload_schema, declared_by, updated_at)
            VALUES (\(declaration.type), \(try JSONB(encoding: declaration.defaults)),
                \(try declaration.payloadSchema.map { try JSONB($0) }), \(declaration.declaredBy),
                \(PostgresTimestamp(declaration.updatedAt)))
            ON CONFLICT (type) DO UPDATE SET defaults = excluded.defaults, payload_schema = excluded.payload_schema,
                declared_by = excluded.declared_by, updated_at = excluded.updated_at
            """, logger: logger)
    }

    public func declareJobTypesIfAbsent(_ declarations: [DeclaredJobType]) async throws {
        guard !declarations.isEmpty else { return }
        let types = declarations.map(\.type)
        let defaults = try declarations.map { try JSONB(encoding: $0.defaults) }
        let schemas = try declarations.map { try JSONB(encoding: $0.payloadSchema) }
        let by = declarations.map(\.declaredBy)
        let updated = declarations.map { PostgresTimestamp($0.updatedAt) }
        _ = try await client.rows(
            """
            INSERT INTO conveyor_job_types (type, defaults, payload_schema, declared_by, updated_at)
            SELECT t, d, NULLIF(s, 'null'::jsonb), b, u
            FROM unnest(\(types)::text[], \(defaults)::jsonb[], \(schemas)::jsonb[], \(by)::text[], \(updated)::timestamptz[])
                AS x(t, d, s, b, u)
            ON CONFLICT (type) DO NOTHING
            """, logger: logger)
    }

    public func jobTypes(named types: [String]) async throws -> [DeclaredJobType] {
        guard !types.isEmpty else { return [] }
        return try await client.rows(
            """
            SELECT type, defaults, payload_schema, declared_by, updated_at FROM conveyor_job_types
            WHERE type = ANY(\(types)::text[]) ORDER BY type
            """, logger: logger
        ).map(Self.declaredJobType)
    }

    public func allJobTypes() async throws -> [DeclaredJobType] {
        try await client.rows(
            "SELECT type, defaults, payload_schema, declared_by, updated_at FROM conveyor_job_types ORDER BY type",
            logger: logger
        ).map(Self.declaredJobType)
    }

    public func deleteJobType(_ type: String) async throws -> Bool {
        !(try await client.rows("DELETE FROM conveyor_job_types WHERE type = \(type) RETURNING 1", logger: logger)).isEmpty
    }
}
