import ConveyorCore
import Foundation
import GRDB

/// Inbound webhook sources.
extension SQLiteJobStore {
    public func inboundSource(name: String) async throws -> InboundSource? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT definition FROM inbound_sources WHERE name = ?", arguments: [name]).map {
                try SQLiteRow.decode(InboundSource.self, $0)
            }
        }
    }

    public func inboundSources() async throws -> [InboundSource] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT definition FROM inbound_sources ORDER BY name").map {
                try SQLiteRow.decode(InboundSource.self, $0)
            }
        }
    }

    public func saveInboundSource(_ source: InboundSource) async throws -> Bool {
        let definition = try SQLiteRow.json(source)
        let updatedAt = SQLiteRow.millis(source.updatedAt ?? Date())
        return try await pool.write { db in
            let existed = try Bool.fetchOne(db, sql: "SELECT 1 FROM inbound_sources WHERE name = ?", arguments: [source.name]) ?? false
            try db.execute(
                sql: "INSERT OR REPLACE INTO inbound_sources (name, definition, updated_at) VALUES (?, ?, ?)",
                arguments: [source.name, definition, updatedAt])
            return !existed
        }
    }

    public func deleteInboundSource(name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM inbound_sources WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }
}
