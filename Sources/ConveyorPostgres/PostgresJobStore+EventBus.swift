import ConveyorCore
import Foundation
import PostgresNIO

/// Custom events, topic schemas and triggers. Consumer groups are in
/// `PostgresJobStore+ConsumerGroups.swift`.
extension PostgresJobStore {
    public func appendEvent(_ event: NewEvent) async throws -> PublishResult {
        let data = String(decoding: try ConveyorJSON.encode(event.data), as: UTF8.self)
        // The idempotency key first, then the replay guard's: every publish takes its locks
        // in this order, so two publishes sharing a key never wait on each other in a cycle.
        let keys = [event.idempotencyKey, event.replayGuard?.key].compactMap { $0 }
        // Without a key, one statement: its own transaction, one round trip.
        guard !keys.isEmpty else {
            return PublishResult(event: try await append(event, data: data, on: client), created: true)
        }
        return try await client.readCommittedTransaction(logger: logger) { db in
            // Two publishes of one key wait for each other; other keys are not held up.
            for key in keys {
                try await db.rows(
                    "SELECT pg_advisory_xact_lock(\(PostgresEventBusSchema.publishKeyLock), hashtext(\(event.tenant) || '/' || \(key)))",
                    logger: logger)
            }
            // Keys of pruned events are forgotten: a key is remembered while its event is.
            try await db.rows(
                "DELETE FROM conveyor_event_keys WHERE event_id <= (SELECT through FROM conveyor_events_pruned)", logger: logger)
            if let key = event.idempotencyKey {
                let found = try await db.rows(
                    "SELECT event_id FROM conveyor_event_keys WHERE tenant = \(event.tenant) AND key = \(key)", logger: logger)
                if let id = try found.first?.decode(Int64.self), let existing = try await customEvent(id: id, on: db) {
                    return PublishResult(event: existing, created: false)
                }
            }
            // A replay guard's key counts only while its event is within the window.
            if let replay = event.replayGuard {
                let found = try await db.rows(
                    """
                    SELECT k.event_id FROM conveyor_event_keys k JOIN conveyor_events e ON e.id = k.event_id
                    WHERE k.tenant = \(event.tenant) AND k.key = \(replay.key) AND e.occurred_at >= \(PostgresTimestamp(replay.since))
                    """, logger: logger)
                if let id = try found.first?.decode(Int64.self), let existing = try await customEvent(id: id, on: db) {
                    return PublishResult(event: existing, created: false)
                }
            }
            let appended = try await append(event, data: data, on: db)
            for key in keys {
                try await db.rows(
                    """
                    INSERT INTO conveyor_event_keys (tenant, key, event_id) VALUES (\(event.tenant), \(key), \(appended.id))
                    ON CONFLICT (tenant, key) DO UPDATE SET event_id = EXCLUDED.event_id
                    """, logger: logger)
            }
            return PublishResult(event: appended, created: true)
        }
    }

    /// Appends through conveyor_append_event, which takes the log's ordering lock before it
    /// draws the id. `occurred_at` defaults to now(), the transaction's time: read it with
    /// the id rather than reading the row back.
    private func append(_ event: NewEvent, data: String, on db: some PostgresQueryRunner) async throws -> LogEvent {
        let rows = try await db.rows(
            "SELECT conveyor_append_event(\(event.topic), \(event.topic), \(event.key), \(event.tenant), \(data)::json), now()",
            logger: logger)
        guard let row = rows.first else { throw PostgresStoreError("conveyor_append_event returned no id") }
        let (id, at) = try row.decode((Int64, PostgresTimestamp).self)
        return LogEvent(
            id: id, type: event.topic, topic: event.topic, key: event.key, tenant: event.tenant, occurredAt: at.date,
            data: event.data)
    }

    /// An event that carries its own JSON (not a job event), by id.
    private func customEvent(id: Int64, on db: some PostgresQueryRunner) async throws -> LogEvent? {
        let rows = try await db.rows(
            """
            SELECT id, type, topic, key, tenant, occurred_at, data::text FROM conveyor_events
            WHERE id = \(id) AND data IS NOT NULL
            """, logger: logger)
        guard let row = rows.first else { return nil }
        var c = PostgresJobRow.Columns(row)
        return LogEvent(
            id: try c.next(), type: try c.next(), topic: try c.next(), key: try c.next(), tenant: try c.next(),
            occurredAt: try c.next(PostgresTimestamp.self).date, data: try Self.json(JSONValue.self, try c.next(String.self)))
    }

    static func json<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try ConveyorJSON.decode(type, from: Data(text.utf8))
    }

    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try ConveyorJSON.encode(value), as: UTF8.self)
    }

    // MARK: Topic schemas

    public func topicSchema(_ topic: String) async throws -> TopicSchema? {
        let rows = try await client.rows(
            "SELECT schema::text, updated_at FROM conveyor_topic_schemas WHERE topic = \(topic)", logger: logger)
        guard let row = rows.first else { return nil }
        let (schema, updatedAt) = try row.decode((String, PostgresTimestamp).self)
        return TopicSchema(topic: topic, schema: try Self.json(JSONValue.self, schema), updatedAt: updatedAt.date)
    }

    public func saveTopicSchema(_ schema: TopicSchema) async throws -> Bool {
        let json = try Self.text(schema.schema)
        // xmax = 0 only for a row this statement inserted (not one it updated).
        let rows = try await client.rows(
            """
            INSERT INTO conveyor_topic_schemas (topic, schema, updated_at)
            VALUES (\(schema.topic), \(json)::json, \(PostgresTimestamp(schema.updatedAt)))
            ON CONFLICT (topic) DO UPDATE SET schema = EXCLUDED.schema, updated_at = EXCLUDED.updated_at
            RETURNING xmax = 0
            """, logger: logger)
        return try rows.first?.decode(Bool.self) ?? false
    }

    public func deleteTopicSchema(_ topic: String) async throws -> Bool {
        let rows = try await client.rows("DELETE FROM conveyor_topic_schemas WHERE topic = \(topic) RETURNING 1", logger: logger)
        return !rows.isEmpty
    }

    // MARK: Triggers

    public func createTrigger(_ trigger: Trigger) async throws -> (trigger: Trigger, created: Bool) {
        let job = try Self.text(trigger.job)
        // Read before the transaction: the group of a new trigger starts at the log's head.
        let head = try await safeHead()
        return try await client.readCommittedTransaction(logger: logger) { db in
            let inserted = try await db.rows(
                """
                INSERT INTO conveyor_event_triggers (id, tenant, topic, job, source, created_at, created_by)
                VALUES (\(trigger.id), \(trigger.tenant), \(trigger.topic), \(job)::json, \(trigger.source),
                    \(PostgresTimestamp(trigger.createdAt)), \(trigger.createdBy))
                ON CONFLICT (id) DO NOTHING RETURNING 1
                """, logger: logger)
            guard !inserted.isEmpty else {
                guard let existing = try await triggers(id: trigger.id, on: db).first else {
                    throw PostgresStoreError("trigger \(trigger.id) conflicted but cannot be read")
                }
                return (existing, false)
            }
            _ = try await registerGroup(
                GroupRegistration(name: trigger.group, topic: try TopicFilter(trigger.topic), tenant: trigger.tenant, start: .latest),
                head: head, now: trigger.createdAt, on: db)
            return (trigger, true)
        }
    }

    public func triggers() async throws -> [Trigger] {
        try await triggers(id: nil, on: client)
    }

    private func triggers(id: String?, on db: some PostgresQueryRunner) async throws -> [Trigger] {
        let columns = "SELECT id, tenant, topic, job::text, source, created_at, created_by FROM conveyor_event_triggers"
        let rows =
            if let id {
                try await db.rows("\(unescaped: columns) WHERE id = \(id)", logger: logger)
            } else {
                try await db.rows("\(unescaped: columns) ORDER BY created_at, id", logger: logger)
            }
        return try rows.map { row in
            var c = PostgresJobRow.Columns(row)
            return Trigger(
                id: try c.next(), tenant: try c.next(), topic: try c.next(), job: try Self.json(TriggerJob.self, try c.next(String.self)),
                source: try c.next(), createdAt: try c.next(PostgresTimestamp.self).date, createdBy: try c.next(String?.self))
        }
    }

    public func deleteTrigger(id: String) async throws -> Bool {
        let group = Trigger.group(id: id)
        return try await client.readCommittedTransaction(logger: logger) { db in
            let deleted = try await db.rows("DELETE FROM conveyor_event_triggers WHERE id = \(id) RETURNING 1", logger: logger)
            guard !deleted.isEmpty else { return false }
            try await db.rows("DELETE FROM conveyor_dead_letters WHERE group_name = \(group)", logger: logger)
            try await db.rows("DELETE FROM conveyor_consumer_groups WHERE name = \(group)", logger: logger)
            return true
        }
    }
}
