import ConveyorCore
import Foundation
import GRDB

/// Custom events, topic schemas and triggers. Consumer groups are in
/// `SQLiteJobStore+ConsumerGroups.swift`.
extension SQLiteJobStore {
    public func appendEvent(_ event: NewEvent) async throws -> PublishResult {
        let data = try SQLiteRow.json(event.data)
        return try await pool.write { db in
            if event.idempotencyKey != nil || event.replayGuard != nil {
                // Keys of pruned events are forgotten: a key is remembered while its event is.
                try db.execute(sql: "DELETE FROM event_keys WHERE event_id <= (SELECT through FROM events_pruned)")
            }
            if let key = event.idempotencyKey,
                let id = try Int64.fetchOne(
                    db, sql: "SELECT event_id FROM event_keys WHERE tenant = ? AND key = ?", arguments: [event.tenant, key]),
                let existing = try Self.customEvent(db, id: id)
            {
                return PublishResult(event: existing, created: false)
            }
            // A replay guard's key counts only while its event is within the window.
            if let replay = event.replayGuard,
                let id = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT k.event_id FROM event_keys k JOIN events e ON e.id = k.event_id
                        WHERE k.tenant = ? AND k.key = ? AND e.occurred_at >= ?
                        """,
                    arguments: [event.tenant, replay.key, SQLiteRow.millis(replay.since)]),
                let existing = try Self.customEvent(db, id: id)
            {
                return PublishResult(event: existing, created: false)
            }
            let id = try SQLiteEventLog.append(
                db, type: event.topic, topic: event.topic, key: event.key, tenant: event.tenant, data: data)
            for key in [event.idempotencyKey, event.replayGuard?.key].compactMap({ $0 }) {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO event_keys (tenant, key, event_id) VALUES (?, ?, ?)",
                    arguments: [event.tenant, key, id])
            }
            guard let appended = try Self.customEvent(db, id: id) else {
                throw DatabaseError(message: "event \(id) vanished right after it was appended")
            }
            return PublishResult(event: appended, created: true)
        }
    }

    /// An event that carries its own JSON (not a job event), by id.
    static func customEvent(_ db: Database, id: Int64) throws -> LogEvent? {
        try Row.fetchOne(
            db, sql: "SELECT id, type, topic, key, tenant, occurred_at, data FROM events WHERE id = ? AND data IS NOT NULL",
            arguments: [id]
        ).map { row in
            LogEvent(
                id: row[0], type: row[1], topic: row[2], key: row[3], tenant: row[4],
                occurredAt: SQLiteRow.date(row[5] as Int64), data: try SQLiteRow.decode(JSONValue.self, row[6]))
        }
    }

    // MARK: Topic schemas

    public func topicSchema(_ topic: String) async throws -> TopicSchema? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT schema, updated_at FROM topic_schemas WHERE topic = ?", arguments: [topic]).map {
                TopicSchema(topic: topic, schema: try SQLiteRow.decode(JSONValue.self, $0[0]), updatedAt: SQLiteRow.date($0[1] as Int64))
            }
        }
    }

    public func saveTopicSchema(_ schema: TopicSchema) async throws -> Bool {
        let json = try SQLiteRow.json(schema.schema)
        return try await pool.write { db in
            let existed = try Bool.fetchOne(db, sql: "SELECT 1 FROM topic_schemas WHERE topic = ?", arguments: [schema.topic]) ?? false
            try db.execute(
                sql: "INSERT OR REPLACE INTO topic_schemas (topic, schema, updated_at) VALUES (?, ?, ?)",
                arguments: [schema.topic, json, SQLiteRow.millis(schema.updatedAt)])
            return !existed
        }
    }

    public func deleteTopicSchema(_ topic: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM topic_schemas WHERE topic = ?", arguments: [topic])
            return db.changesCount > 0
        }
    }

    // MARK: Triggers

    public func createTrigger(_ trigger: Trigger) async throws -> (trigger: Trigger, created: Bool) {
        let job = try SQLiteRow.json(trigger.job)
        return try await pool.write { db in
            if let existing = try Self.triggers(db, id: trigger.id).first { return (existing, false) }
            try db.execute(
                sql: """
                    INSERT INTO event_triggers (id, tenant, topic, job, source, created_at, created_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    trigger.id, trigger.tenant, trigger.topic, job, trigger.source, SQLiteRow.millis(trigger.createdAt),
                    trigger.createdBy,
                ])
            // The group starts at the head: the trigger acts on events from its creation on.
            _ = try Self.registerGroup(
                db,
                GroupRegistration(name: trigger.group, topic: try TopicFilter(trigger.topic), tenant: trigger.tenant, start: .latest),
                now: trigger.createdAt)
            return (trigger, true)
        }
    }

    public func triggers() async throws -> [Trigger] {
        try await pool.read { db in try Self.triggers(db, id: nil) }
    }

    private static func triggers(_ db: Database, id: String?) throws -> [Trigger] {
        let sql = """
            SELECT id, tenant, topic, job, source, created_at, created_by FROM event_triggers
            \(id == nil ? "" : "WHERE id = ?") ORDER BY created_at, id
            """
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(id.map { [$0] } ?? [])).map { row in
            Trigger(
                id: row[0], tenant: row[1], topic: row[2], job: try SQLiteRow.decode(TriggerJob.self, row[3]), source: row[4],
                createdAt: SQLiteRow.date(row[5] as Int64), createdBy: row[6])
        }
    }

    public func deleteTrigger(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM event_triggers WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { return false }
            let group = Trigger.group(id: id)
            try db.execute(sql: "DELETE FROM dead_letters WHERE group_name = ?", arguments: [group])
            try db.execute(sql: "DELETE FROM consumer_groups WHERE name = ?", arguments: [group])
            return true
        }
    }
}
