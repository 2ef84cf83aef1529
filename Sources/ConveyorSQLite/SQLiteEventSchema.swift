import ConveyorCore
import GRDB

/// The event log's design, and the SQL its reads and appends share. The table is
/// `v3-events`' (``SQLiteSchema/V03Events``).
///
/// **Written by the store's statements, not by triggers.** Every write path that changes
/// a job's state calls ``SQLiteEventLog/appendJobEvents(_:ids:submitted:)`` in its own
/// transaction, one `INSERT … SELECT` per batch. SQLite triggers run once per row, and
/// that per-row program cost ~45% of the store's write time in a bench of claims and
/// completions; one statement per batch costs a fraction of it. The conformance suite
/// checks every transition on both stores, so a path that forgets is caught there.
///
/// **Compact job events.** A job event stores only what changes over a job's life (state,
/// attempt, times, lease, errors, result, metadata), copied from the row as stored.
/// The rest of the job never changes, so a read takes it from the job's row, decodes the
/// two as one ``ConveyorCore/Job`` and encodes it as the API does: the job's JSON has one
/// builder, its `Codable`. Building the JSON on write halved the throughput of the whole
/// engine; readers are few and batch their reads, writers are the hot path.
/// Other events (custom, workflow) carry their JSON in `data`.
enum SQLiteEventSchema {
    /// The job columns an event snapshots; the rest are read from the job's row.
    static let snapshotColumns = [
        "state", "attempt", "run_at", "started_at", "finished_at", "lease_owner", "lease_expires_at",
        "cancel_requested", "metadata", "errors", "result",
    ]

    /// A job's columns (``SQLiteRow/jobColumnNames``) for a job event: the snapshot ones
    /// from the event row `e`, the rest from its job's row `j`.
    static let eventJobColumns = SQLiteRow.jobColumnNames
        .map { snapshotColumns.contains($0) ? "e.\($0)" : "j.\($0)" }
        .joined(separator: ", ")

    /// Unix milliseconds now, by the database's clock.
    static let nowMillis = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)"
}

/// Appends to the event log inside the caller's transaction.
enum SQLiteEventLog {
    /// Job events that state changes append; moves into `queued` or `scheduled` append
    /// none (docs/events.md).
    private static let transitionStates = "('running', 'retrying', 'succeeded', 'failed', 'cancelled')"

    private static func jobEventsSQL(type: String, condition: String) -> String {
        let snapshot = SQLiteEventSchema.snapshotColumns.joined(separator: ", ")
        let values = SQLiteEventSchema.snapshotColumns.map { "j.\($0)" }.joined(separator: ", ")
        return """
            INSERT INTO events (type, topic, key, tenant, occurred_at, \(snapshot))
            SELECT \(type), \(type), j.id, j.tenant, \(SQLiteEventSchema.nowMillis), \(values)
            FROM json_each(?) AS ids JOIN jobs j ON j.id = ids.value
            WHERE \(condition)
            ORDER BY ids.key
            """
    }

    private static let submittedSQL = jobEventsSQL(type: "'job.submitted'", condition: "1")
    private static let transitionSQL = jobEventsSQL(
        type: "CASE j.state WHEN 'running' THEN 'job.started' ELSE 'job.' || j.state END",
        condition: "j.state IN \(transitionStates)")

    /// Appends, in the order given, each job's event for the state it is in now:
    /// `job.submitted` when `submitted`, else the event of the transition it just made
    /// (none for `queued` and `scheduled`). Call it after the statement that changed the
    /// jobs, with only the jobs that statement changed.
    static func appendJobEvents(_ db: Database, ids: [String], submitted: Bool = false) throws {
        guard !ids.isEmpty else { return }
        try db.cachedStatement(sql: submitted ? submittedSQL : transitionSQL)
            .execute(arguments: [jsonArray(ids)])
    }

    /// Ids are UUIDs or caller-chosen keys; only the rare one that needs escaping goes
    /// through the encoder.
    private static func jsonArray(_ ids: [String]) throws -> String {
        if ids.allSatisfy({ id in id.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C } }) {
            return "[\"" + ids.joined(separator: "\",\"") + "\"]"
        }
        return String(decoding: try ConveyorJSON.encode(ids), as: UTF8.self)
    }

    /// Appends one event inside the caller's transaction and returns its id. `data` is
    /// the event's JSON text, stored as given.
    @discardableResult
    static func append(
        _ db: Database, type: String, topic: String, key: String, tenant: String, data: String
    ) throws -> Int64 {
        try db.cachedStatement(
            sql: """
                INSERT INTO events (type, topic, key, tenant, occurred_at, data)
                VALUES (?, ?, ?, ?, \(SQLiteEventSchema.nowMillis), ?)
                """
        ).execute(arguments: [type, topic, key, tenant, data])
        return db.lastInsertedRowID
    }
}
