import ConveyorCore
import Foundation
import GRDB

/// Reading and pruning the event log. ``SQLiteEventLog`` writes it.
extension SQLiteJobStore {
    public func readEvents(_ query: EventQuery) async throws -> EventPage {
        var clauses = ["id > ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [query.after ?? 0]
        switch query.topic?.match {
        case .exact(let topic):
            clauses.append("topic = ?")
            arguments.append(topic)
        case .prefix(let prefix) where !prefix.isEmpty:
            clauses.append("substr(topic, 1, length(?)) = ?")
            arguments += [prefix, prefix]
        default: break
        }
        if let tenant = query.tenant {
            clauses.append("tenant = ?")
            arguments.append(tenant)
        }
        if let key = query.key {
            clauses.append("key = ?")
            arguments.append(key)
        }
        let limit = max(0, query.limit)
        // A job event reads its job's columns, the snapshot ones from the event (SQLiteEventSchema).
        let sql = """
            SELECT e.id, e.type, e.topic, e.key, e.tenant, e.occurred_at, e.data, j.id IS NOT NULL,
                \(SQLiteEventSchema.eventJobColumns)
            FROM (SELECT * FROM events WHERE \(clauses.joined(separator: " AND ")) ORDER BY id LIMIT \(limit)) e
            LEFT JOIN jobs j ON e.data IS NULL AND j.id = e.key
            ORDER BY e.id
            """
        let args = StatementArguments(arguments)
        // One read transaction: the head, the prune mark and the events are one snapshot.
        // SQLite has one writer, so ids commit in order and the head is simply the largest.
        return try await pool.read { db in
            let head = try Int64.fetchOne(db, sql: "SELECT max(id) FROM events") ?? 0
            let pruned = try Int64.fetchOne(db, sql: "SELECT through FROM events_pruned") ?? 0
            let rows = try Row.fetchAll(db, sql: sql, arguments: args, adapter: ScopeAdapter(["job": SuffixRowAdapter(fromIndex: 8)]))
            let events = try rows.map { row in
                let data: JSONValue
                if let text: String = row[6] {
                    data = try SQLiteRow.decode(JSONValue.self, text)
                } else if row[7], let job = row.scopes["job"] {
                    // The job as GET /v1/jobs/{id} showed it right after the change.
                    data = try ConveyorJSON.value(of: SQLiteRow.job(job))
                } else {
                    // The job was pruned before its events.
                    data = .null
                }
                return LogEvent(
                    id: row[0], type: row[1], topic: row[2], key: row[3], tenant: row[4],
                    occurredAt: SQLiteRow.date(row[5] as Int64), data: data)
            }
            return EventPage(query: query, events: events, head: max(head, pruned), prunedThrough: pruned)
        }
    }

    public func pruneEvents(before: Date, limit: Int) async throws -> Int {
        // Ids grow with time, so the old events are the first ones: the scan stops at the
        // first young event rather than reading the whole table.
        try await pool.write { db in
            let young = try Int64.fetchOne(
                db, sql: "SELECT id FROM events WHERE occurred_at >= ? ORDER BY id LIMIT 1",
                arguments: [SQLiteRow.millis(before)]) ?? Int64.max
            // The newest event always stays: ids are the rowid, which only the largest
            // existing id keeps from being reused.
            let newest = try Int64.fetchOne(db, sql: "SELECT max(id) FROM events") ?? 0
            guard
                let last = try Int64.fetchOne(
                    db, sql: "SELECT max(id) FROM (SELECT id FROM events WHERE id < ? ORDER BY id LIMIT ?)",
                    arguments: [min(young, newest), max(0, limit)])
            else { return 0 }
            try db.execute(sql: "DELETE FROM events WHERE id <= ?", arguments: [last])
            let deleted = db.changesCount
            try db.execute(sql: "UPDATE events_pruned SET through = max(through, ?)", arguments: [last])
            return deleted
        }
    }
}
