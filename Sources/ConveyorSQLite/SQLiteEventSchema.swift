import GRDB

/// The event log's table and the triggers that fill it.
///
/// Triggers, not statements in each write: every change of a job's state, through any
/// statement present or future, appends its event inside the same statement, so the log
/// cannot miss a change or record one that rolled back. The event's `data` is built by
/// SQLite from the new row, in C, with no read-back and no Swift encoding on the hot path.
enum SQLiteEventSchema {
    /// `GET /v1/jobs/{id}`'s JSON, built from a trigger's NEW row. Times are RFC 3339 with
    /// milliseconds, as ``ConveyorCore/ConveyorJSON`` writes them.
    ///
    /// Spliced as text rather than with `json_object`: the JSON columns (payload, backoff,
    /// tags, metadata, errors, result) already hold JSON, and `json()` would parse every one
    /// of them again on the hot path. Keys are in sorted order, like the API's.
    static func jobJSON(_ r: String) -> String {
        func time(_ column: String) -> String {
            "COALESCE('\"' || strftime('%Y-%m-%dT%H:%M:%fZ', \(r).\(column) / 1000.0, 'unixepoch') || '\"', 'null')"
        }
        func text(_ column: String) -> String { "json_quote(\(r).\(column))" }
        func raw(_ column: String) -> String { "COALESCE(\(r).\(column), 'null')" }
        let fields: [(String, String)] = [
            ("attempt", "\(r).attempt"), ("backoff", raw("backoff")),
            ("cancel_requested", "CASE WHEN \(r).cancel_requested THEN 'true' ELSE 'false' END"),
            ("created_at", time("created_at")), ("created_by", text("created_by")), ("errors", raw("errors")),
            ("finished_at", time("finished_at")), ("id", text("id")), ("idempotency_key", text("idempotency_key")),
            ("lease_expires_at", time("lease_expires_at")), ("lease_owner", text("lease_owner")),
            ("max_attempts", "\(r).max_attempts"), ("metadata", raw("metadata")), ("payload", raw("payload")),
            ("priority", "\(r).priority"), ("queue", text("queue")), ("rerun_of", text("rerun_of")), ("result", raw("result")),
            ("run_at", time("run_at")), ("started_at", time("started_at")), ("state", text("state")), ("step", text("step")),
            ("tags", raw("tags")), ("tenant", text("tenant")), ("timeout_seconds", raw("timeout_seconds")),
            ("type", text("type")), ("workflow_id", text("workflow_id")),
        ]
        let parts = fields.enumerated().map { index, field in
            "'\(index == 0 ? "{" : ",")\"\(field.0)\":' || \(field.1)"
        }
        return "(" + parts.joined(separator: " || ") + " || '}')"
    }

    /// Unix milliseconds now, by the database's clock.
    static let nowMillis = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)"

    static func migrate(_ db: Database) throws {
        // AUTOINCREMENT: ids are never reused, even after the pruner empties the table,
        // so a reader's position stays meaningful forever.
        try db.execute(
            sql: """
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    type TEXT NOT NULL,
                    topic TEXT NOT NULL,
                    key TEXT NOT NULL,
                    tenant TEXT NOT NULL,
                    occurred_at INTEGER NOT NULL,
                    data TEXT NOT NULL
                );
                -- One row: the largest id the pruner removed, so a reader behind it is told.
                CREATE TABLE events_pruned (
                    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                    through INTEGER NOT NULL
                );
                INSERT INTO events_pruned (singleton, through) VALUES (1, 0);

                -- A repeated idempotency key inserts no row, so it fires nothing.
                CREATE TRIGGER jobs_event_submitted AFTER INSERT ON jobs
                BEGIN
                    INSERT INTO events (type, topic, key, tenant, occurred_at, data)
                    VALUES ('job.submitted', 'job.submitted', NEW.id, NEW.tenant, \(nowMillis), \(jobJSON("NEW")));
                END;

                -- Moves into queued or scheduled append nothing (docs/events.md).
                CREATE TRIGGER jobs_event_state AFTER UPDATE OF state ON jobs
                WHEN NEW.state <> OLD.state AND NEW.state IN ('running', 'retrying', 'succeeded', 'failed', 'cancelled')
                BEGIN
                    INSERT INTO events (type, topic, key, tenant, occurred_at, data)
                    SELECT t, t, NEW.id, NEW.tenant, \(nowMillis), \(jobJSON("NEW"))
                    FROM (SELECT CASE NEW.state WHEN 'running' THEN 'job.started' ELSE 'job.' || NEW.state END AS t);
                END;
                """)
    }
}
