import ConveyorCore
import Foundation
import PostgresNIO

/// Reading and pruning the event log. The triggers in ``PostgresEventSchema`` write it.
extension PostgresJobStore {
    public func readEvents(_ query: EventQuery) async throws -> EventPage {
        let head = try await safeHead()
        var clauses = ["id > $1", "id <= $2"]
        var binds = PostgresBindings()
        binds.append(query.after ?? 0)
        binds.append(head)
        func filter(_ clause: (String) -> String, _ value: String?) {
            guard let value else { return }
            binds.append(value)
            clauses.append(clause("$\(binds.count)"))
        }
        switch query.topic?.match {
        case .exact(let topic): filter({ "topic = \($0)" }, topic)
        case .prefix(let prefix) where !prefix.isEmpty: filter({ "starts_with(topic, \($0))" }, prefix)
        default: break
        }
        filter({ "tenant = \($0)" }, query.tenant)
        filter({ "key = \($0)" }, query.key)
        // The prune mark is read in the same snapshot as the events, so a prune that
        // races this read is either wholly seen (and reported) or not at all. A job event
        // reads its job's columns, the snapshot ones from the event (PostgresEventSchema).
        let sql = """
            SELECT p.through, e.id, e.type, e.topic, e.key, e.tenant, e.occurred_at, e.data::text, j.id IS NOT NULL,
                \(PostgresEventSchema.eventJobColumns)
            FROM conveyor_events_pruned p
            LEFT JOIN LATERAL (
                SELECT * FROM conveyor_events
                WHERE \(clauses.joined(separator: " AND ")) ORDER BY id LIMIT \(max(0, query.limit))
            ) e ON true
            LEFT JOIN conveyor_jobs j ON e.data IS NULL AND j.id = e.key
            ORDER BY e.id
            """
        var pruned: Int64 = 0
        var events: [LogEvent] = []
        for row in try await client.rows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            var c = PostgresJobRow.Columns(row)
            pruned = try c.next(Int64.self)
            guard let id = try c.next(Int64?.self) else { continue }
            let (type, topic, key, tenant): (String, String, String, String) = (try c.next(), try c.next(), try c.next(), try c.next())
            let occurredAt = try c.next(PostgresTimestamp.self).date
            let data: JSONValue
            if let text = try c.next(String?.self) {
                data = try ConveyorJSON.decode(JSONValue.self, from: Data(text.utf8))
            } else if try c.next(Bool.self) {
                // The job as GET /v1/jobs/{id} showed it right after the change.
                data = try ConveyorJSON.value(of: PostgresJobRow.job(&c))
            } else {
                // The job was pruned before its events.
                data = .null
            }
            events.append(
                LogEvent(id: id, type: type, topic: topic, key: key, tenant: tenant, occurredAt: occurredAt, data: data))
        }
        return EventPage(query: query, events: events, head: max(head, pruned), prunedThrough: pruned)
    }

    /// The largest id through which the log is final: no transaction still running holds
    /// an id at or below it. See ``PostgresEventSchema`` for the lock this reads.
    ///
    /// A statement of its own, before the events are read: the events' snapshot must be
    /// taken after the lock table was looked at, or a transaction that committed between
    /// the two would be neither in flight nor visible. Within it, LATERAL makes the
    /// sequence be read before the lock table.
    func safeHead() async throws -> Int64 {
        let rows = try await client.rows(
            """
            SELECT s.drawn, l.oldest FROM
                (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS drawn FROM conveyor_events_id_seq) s,
                LATERAL (
                    SELECT min(((classid::bigint & 65535) << 32) | objid::bigint) AS oldest FROM pg_locks
                    WHERE s.drawn IS NOT NULL AND locktype = 'advisory' AND objsubid = 1
                        AND (classid::bigint >> 16) = \(PostgresEventSchema.lockMarkerHigh16)
                        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                ) l
            """, logger: logger)
        guard let row = rows.first else { return 0 }
        let (drawn, oldest) = try row.decode((Int64, Int64?).self)
        // A running transaction draws ids at or above its key: everything below is final.
        return max(0, oldest.map { min(drawn, $0 - 1) } ?? drawn)
    }

    public func pruneEvents(before: Date, limit: Int) async throws -> Int {
        // Ids grow with time, so the old events are the first ones: the scan stops at the
        // first young event rather than reading the whole table.
        let rows = try await client.rows(
            """
            WITH young AS (
                SELECT id FROM conveyor_events WHERE occurred_at >= \(PostgresTimestamp(before)) ORDER BY id LIMIT 1),
            deleted AS (
                DELETE FROM conveyor_events WHERE id IN (
                    SELECT id FROM conveyor_events WHERE id < COALESCE((SELECT id FROM young), 9223372036854775807)
                    ORDER BY id LIMIT \(max(0, limit)))
                RETURNING id),
            marked AS (
                UPDATE conveyor_events_pruned SET through = GREATEST(through, (SELECT max(id) FROM deleted))
                WHERE EXISTS (SELECT 1 FROM deleted)
                RETURNING 1)
            SELECT count(*) FROM deleted
            """, logger: logger)
        return try rows.first?.decode(Int.self) ?? 0
    }
}
