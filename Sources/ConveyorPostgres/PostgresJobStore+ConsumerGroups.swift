import ConveyorCore
import Foundation
import PostgresNIO

/// Durable consumer groups: cursors, leases and dead letters. Every write a consumer
/// makes checks its lease (owner and fence) under a lock on the group's row, so a
/// takeover and a stale consumer's write cannot interleave.
extension PostgresJobStore {
    static let groupColumns = """
        g.name, g.topic, g.tenant, g.cursor, g.lease_owner, g.lease_expires_at, g.fence, g.gap_after, g.gap_through,
        g.gap_at, g.created_at, g.updated_at, (SELECT count(*) FROM conveyor_dead_letters d WHERE d.group_name = g.name)
        """

    static func group(_ row: PostgresRow) throws -> ConsumerGroup {
        var c = PostgresJobRow.Columns(row)
        let (name, topic, tenant, cursor): (String, String, String?, Int64) = (try c.next(), try c.next(), try c.next(), try c.next())
        let (owner, expires, fence) = (try c.next(String?.self), try c.next(PostgresTimestamp?.self), try c.next(Int64.self))
        let (gapAfter, gapThrough, gapAt) = (try c.next(Int64?.self), try c.next(Int64?.self), try c.next(PostgresTimestamp?.self))
        let (created, updated, dead) = (try c.next(PostgresTimestamp.self), try c.next(PostgresTimestamp.self), try c.next(Int64.self))
        var gap: EventGap?
        if let gapAfter, let gapThrough, let gapAt { gap = EventGap(after: gapAfter, through: gapThrough, at: gapAt.date) }
        return ConsumerGroup(
            name: name, topic: topic, tenant: tenant, cursor: cursor, leaseOwner: owner, leaseExpiresAt: expires?.date,
            fence: fence, deadLetters: Int(dead), lastGap: gap, createdAt: created.date, updatedAt: updated.date)
    }

    private func fetchGroup(_ name: String, on db: some PostgresQueryRunner) async throws -> ConsumerGroup? {
        try await db.rows(
            "SELECT \(unescaped: Self.groupColumns) FROM conveyor_consumer_groups g WHERE g.name = \(name)", logger: logger
        ).first.map(Self.group)
    }

    /// Inserts the group at its start, or updates its filter; `head` is the log's safe head.
    func registerGroup(
        _ registration: GroupRegistration, head: Int64, now: Date, on db: some PostgresQueryRunner
    ) async throws -> ConsumerGroup {
        let latest = registration.start == .latest
        try await db.rows(
            """
            INSERT INTO conveyor_consumer_groups AS g (name, topic, tenant, cursor, created_at, updated_at)
            SELECT \(registration.name), \(registration.topic.description), \(registration.tenant),
                CASE WHEN \(latest) THEN GREATEST(\(head), p.through) ELSE p.through END,
                \(PostgresTimestamp(now)), \(PostgresTimestamp(now))
            FROM conveyor_events_pruned p
            ON CONFLICT (name) DO UPDATE SET topic = EXCLUDED.topic, tenant = EXCLUDED.tenant,
                updated_at = CASE WHEN g.topic = EXCLUDED.topic AND g.tenant IS NOT DISTINCT FROM EXCLUDED.tenant
                    THEN g.updated_at ELSE EXCLUDED.updated_at END
            """, logger: logger)
        guard let group = try await fetchGroup(registration.name, on: db) else {
            throw PostgresStoreError("consumer group \(registration.name) vanished right after it was registered")
        }
        return group
    }

    public func registerGroup(_ registration: GroupRegistration, now: Date) async throws -> ConsumerGroup {
        let head = registration.start == .latest ? try await safeHead() : 0
        return try await registerGroup(registration, head: head, now: now, on: client)
    }

    public func consumerGroup(_ name: String) async throws -> ConsumerGroup? {
        try await fetchGroup(name, on: client)
    }

    public func consumerGroups() async throws -> [ConsumerGroup] {
        try await client.rows(
            "SELECT \(unescaped: Self.groupColumns) FROM conveyor_consumer_groups g ORDER BY g.name", logger: logger
        ).map(Self.group)
    }

    public func acquireGroupLease(group: String, owner: String, until: Date, now: Date) async throws -> GroupLease? {
        // A new holder bumps the fence; the holder renewing keeps it. Two nodes racing
        // for a free row: the second re-checks the WHERE after the first commits, and
        // finds the row taken. The rule stays in SQL (SQLite has the same statement): the
        // conditional UPDATE is the compare-and-set, with no read before it.
        let rows = try await client.rows(
            """
            UPDATE conveyor_consumer_groups SET
                fence = CASE WHEN lease_owner IS NOT DISTINCT FROM \(owner) THEN fence ELSE fence + 1 END,
                lease_owner = \(owner), lease_expires_at = \(PostgresTimestamp(until)), updated_at = \(PostgresTimestamp(now))
            WHERE name = \(group) AND (lease_owner IS NULL OR lease_owner = \(owner) OR lease_expires_at < \(PostgresTimestamp(now)))
            RETURNING fence, cursor
            """, logger: logger)
        guard let row = rows.first else { return nil }
        let (fence, cursor) = try row.decode((Int64, Int64).self)
        return GroupLease(group: group, owner: owner, fence: fence, cursor: cursor, expiresAt: until)
    }

    public func releaseGroupLease(_ lease: GroupLease) async throws {
        try await client.rows(
            """
            UPDATE conveyor_consumer_groups SET lease_owner = NULL, lease_expires_at = NULL
            WHERE name = \(lease.group) AND lease_owner = \(lease.owner) AND fence = \(lease.fence)
            """, logger: logger)
    }

    public func commitGroupCursor(_ lease: GroupLease, cursor: Int64, gap: EventGap?, now: Date) async throws -> Bool {
        let rows = try await client.rows(
            """
            UPDATE conveyor_consumer_groups SET cursor = GREATEST(cursor, \(cursor)), updated_at = \(PostgresTimestamp(now)),
                gap_after = COALESCE(\(gap?.after), gap_after), gap_through = COALESCE(\(gap?.through), gap_through),
                gap_at = COALESCE(\(gap.map { PostgresTimestamp($0.at) }), gap_at)
            WHERE name = \(lease.group) AND lease_owner = \(lease.owner) AND fence = \(lease.fence)
            RETURNING 1
            """, logger: logger)
        return !rows.isEmpty
    }

    /// Locks the group's row while `lease` holds it; false when it does not.
    private func lock(_ lease: GroupLease, on db: PostgresConnection) async throws -> Bool {
        !(try await db.rows(
            """
            SELECT 1 FROM conveyor_consumer_groups
            WHERE name = \(lease.group) AND lease_owner = \(lease.owner) AND fence = \(lease.fence) FOR SHARE
            """, logger: logger)
        .isEmpty)
    }

    // MARK: Dead letters

    public func addDeadLetter(_ lease: GroupLease, event: LogEvent, attempts: Int, error: String, now: Date) async throws -> Bool {
        let json = try Self.text(event)
        return try await client.readCommittedTransaction(logger: logger) { db in
            guard try await lock(lease, on: db) else { return false }
            try await db.rows(
                """
                INSERT INTO conveyor_dead_letters (group_name, event_id, event, attempts, error, state, failed_at)
                VALUES (\(lease.group), \(event.id), \(json)::json, \(attempts), \(error), 'dead', \(PostgresTimestamp(now)))
                """, logger: logger)
            return true
        }
    }

    private static let deadLetterColumns = "id, group_name, event::text, attempts, error, state, failed_at, replay_requested_at"

    private static func deadLetter(_ row: PostgresRow) throws -> DeadLetter {
        var c = PostgresJobRow.Columns(row)
        let (id, group, event) = (try c.next(Int64.self), try c.next(String.self), try c.next(String.self))
        let (attempts, error, stateText) = (try c.next(Int.self), try c.next(String.self), try c.next(String.self))
        let (failed, requested) = (try c.next(PostgresTimestamp.self), try c.next(PostgresTimestamp?.self))
        guard let state = DeadLetter.State(rawValue: stateText) else {
            throw PostgresStoreError("unknown dead letter state '\(stateText)'")
        }
        return DeadLetter(
            id: id, group: group, event: try json(LogEvent.self, event), attempts: attempts, error: error, state: state,
            failedAt: failed.date, replayRequestedAt: requested?.date)
    }

    public func deadLetters(group: String, after: Int64?, limit: Int) async throws -> [DeadLetter] {
        try await client.rows(
            """
            SELECT \(unescaped: Self.deadLetterColumns) FROM conveyor_dead_letters
            WHERE group_name = \(group) AND id > \(after ?? 0) ORDER BY id LIMIT \(max(0, limit))
            """, logger: logger
        ).map(Self.deadLetter)
    }

    public func requestReplay(group: String, id: Int64?, now: Date) async throws -> Int {
        let set = "UPDATE conveyor_dead_letters SET state = 'replaying', replay_requested_at ="
        let rows =
            if let id {
                try await client.rows(
                    """
                    \(unescaped: set) \(PostgresTimestamp(now))
                    WHERE group_name = \(group) AND state = 'dead' AND id = \(id) RETURNING 1
                    """, logger: logger)
            } else {
                try await client.rows(
                    "\(unescaped: set) \(PostgresTimestamp(now)) WHERE group_name = \(group) AND state = 'dead' RETURNING 1",
                    logger: logger)
            }
        return rows.count
    }

    public func pendingReplays(group: String, limit: Int) async throws -> [DeadLetter] {
        try await client.rows(
            """
            SELECT \(unescaped: Self.deadLetterColumns) FROM conveyor_dead_letters
            WHERE group_name = \(group) AND state = 'replaying' ORDER BY id LIMIT \(max(0, limit))
            """, logger: logger
        ).map(Self.deadLetter)
    }

    public func finishReplay(_ lease: GroupLease, id: Int64, failure: ReplayFailure?, now: Date) async throws -> Bool {
        try await client.readCommittedTransaction(logger: logger) { db in
            guard try await lock(lease, on: db) else { return false }
            if let failure {
                try await db.rows(
                    """
                    UPDATE conveyor_dead_letters SET state = 'dead', attempts = \(failure.attempts), error = \(failure.error),
                        failed_at = \(PostgresTimestamp(now)), replay_requested_at = NULL
                    WHERE id = \(id) AND group_name = \(lease.group) AND state = 'replaying'
                    """, logger: logger)
            } else {
                try await db.rows(
                    "DELETE FROM conveyor_dead_letters WHERE id = \(id) AND group_name = \(lease.group) AND state = 'replaying'",
                    logger: logger)
            }
            return true
        }
    }
}
