import ConveyorCore
import Foundation
import PostgresNIO

/// Inbound webhook sources.
extension PostgresJobStore {
    public func inboundSource(name: String) async throws -> InboundSource? {
        let rows = try await client.rows(
            "SELECT definition::text FROM conveyor_inbound_sources WHERE name = \(name)", logger: logger)
        guard let row = rows.first else { return nil }
        return try Self.json(InboundSource.self, try row.decode(String.self))
    }

    public func inboundSources() async throws -> [InboundSource] {
        let rows = try await client.rows("SELECT definition::text FROM conveyor_inbound_sources ORDER BY name", logger: logger)
        return try rows.map { try Self.json(InboundSource.self, try $0.decode(String.self)) }
    }

    public func saveInboundSource(_ source: InboundSource) async throws -> Bool {
        let definition = try Self.text(source)
        // xmax = 0 only for a row this statement inserted (not one it updated).
        let rows = try await client.rows(
            """
            INSERT INTO conveyor_inbound_sources (name, definition, updated_at)
            VALUES (\(source.name), \(definition)::json, \(PostgresTimestamp(source.updatedAt ?? Date())))
            ON CONFLICT (name) DO UPDATE SET definition = EXCLUDED.definition, updated_at = EXCLUDED.updated_at
            RETURNING xmax = 0
            """, logger: logger)
        return try rows.first?.decode(Bool.self) ?? false
    }

    public func deleteInboundSource(name: String) async throws -> Bool {
        let rows = try await client.rows("DELETE FROM conveyor_inbound_sources WHERE name = \(name) RETURNING 1", logger: logger)
        return !rows.isEmpty
    }
}
