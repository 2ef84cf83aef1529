import ConveyorCore
import Foundation
import GRDB

/// Durable consumer groups: cursors, leases and dead letters. Every write a consumer
/// makes checks its lease (owner and fence) in the same transaction.
extension SQLiteJobStore {
    static let groupColumns = """
        g.name, g.topic, g.tenant, g.cursor, g.lease_owner, g.lease_expires_at, g.fence, g.gap_after, g.gap_through,
        g.gap_at, g.created_at, g.updated_at, (SELECT count(*) FROM dead_letters d WHERE d.group_name = g.name)
        """

    static func group(_ row: Row) -> ConsumerGroup {
        let gapAfter: Int64? = row[7]
        let gapThrough: Int64? = row[8]
        let gapAt: Int64? = row[9]
        var gap: EventGap?
        if let gapAfter, let gapThrough, let gapAt {
            gap = EventGap(after: gapAfter, through: gapThrough, at: SQLiteRow.date(gapAt))
        }
        return ConsumerGroup(
            name: row[0], topic: row[1], tenant: row[2], cursor: row[3], leaseOwner: row[4],
            leaseExpiresAt: SQLiteRow.date(row[5] as Int64?), fence: row[6], deadLetters: row[12], lastGap: gap,
            createdAt: SQLiteRow.date(row[10] as Int64), updatedAt: SQLiteRow.date(row[11] as Int64))
    }

    static func fetchGroup(_ db: Database, _ name: String) throws -> ConsumerGroup? {
        try Row.fetchOne(db, sql: "SELECT \(groupColumns) FROM consumer_groups g WHERE g.name = ?", arguments: [name]).map(group)
    }

    static func registerGroup(_ db: Database, _ registration: GroupRegistration, now: Date) throws -> ConsumerGroup {
        let millis = SQLiteRow.millis(now)
        try db.execute(
            sql: """
                INSERT INTO consumer_groups (name, topic, tenant, cursor, created_at, updated_at)
                VALUES (:name, :topic, :tenant,
                    CASE WHEN :latest THEN max(COALESCE((SELECT max(id) FROM events), 0), (SELECT through FROM events_pruned))
                        ELSE (SELECT through FROM events_pruned) END,
                    :now, :now)
                ON CONFLICT (name) DO UPDATE SET topic = excluded.topic, tenant = excluded.tenant,
                    updated_at = CASE WHEN topic IS excluded.topic AND tenant IS excluded.tenant THEN updated_at ELSE excluded.updated_at END
                """,
            arguments: [
                "name": registration.name, "topic": registration.topic.description, "tenant": registration.tenant,
                "latest": registration.start == .latest, "now": millis,
            ])
        guard let group = try fetchGroup(db, registration.name) else {
            throw DatabaseError(message: "consumer group \(registration.name) vanished right after it was registered")
        }
        return group
    }

    public func registerGroup(_ registration: GroupRegistration, now: Date) async throws -> ConsumerGroup {
        try await pool.write { db in try Self.registerGroup(db, registration, now: now) }
    }

    public func consumerGroup(_ name: String) async throws -> ConsumerGroup? {
        try await pool.read { db in try Self.fetchGroup(db, name) }
    }

    public func consumerGroups() async throws -> [ConsumerGroup] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.groupColumns) FROM consumer_groups g ORDER BY g.name").map(Self.group)
        }
    }

    public func acquireGroupLease(group: String, owner: String, until: Date, now: Date) async throws -> GroupLease? {
        try await pool.write { db in
            // A new holder bumps the fence; the holder renewing keeps it. The rule stays in
            // SQL on both stores: the conditional UPDATE is the compare-and-set that settles
            // two nodes racing for a free group without a separate lock.
            try db.execute(
                sql: """
                    UPDATE consumer_groups SET
                        fence = CASE WHEN lease_owner IS :owner THEN fence ELSE fence + 1 END,
                        lease_owner = :owner, lease_expires_at = :until, updated_at = :now
                    WHERE name = :group AND (lease_owner IS NULL OR lease_owner = :owner OR lease_expires_at < :now)
                    """,
                arguments: ["owner": owner, "until": SQLiteRow.millis(until), "now": SQLiteRow.millis(now), "group": group])
            guard db.changesCount == 1,
                let row = try Row.fetchOne(db, sql: "SELECT fence, cursor FROM consumer_groups WHERE name = ?", arguments: [group])
            else { return nil }
            return GroupLease(group: group, owner: owner, fence: row[0], cursor: row[1], expiresAt: until)
        }
    }

    public func releaseGroupLease(_ lease: GroupLease) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE consumer_groups SET lease_owner = NULL, lease_expires_at = NULL
                    WHERE name = ? AND lease_owner = ? AND fence = ?
                    """,
                arguments: [lease.group, lease.owner, lease.fence])
        }
    }

    /// True when `lease` still holds its group.
    private static func holds(_ db: Database, _ lease: GroupLease) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT 1 FROM consumer_groups WHERE name = ? AND lease_owner = ? AND fence = ?",
            arguments: [lease.group, lease.owner, lease.fence]) ?? false
    }

    public func commitGroupCursor(_ lease: GroupLease, cursor: Int64, gap: EventGap?, now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE consumer_groups SET cursor = max(cursor, :cursor), updated_at = :now,
                        gap_after = COALESCE(:gapAfter, gap_after), gap_through = COALESCE(:gapThrough, gap_through),
                        gap_at = COALESCE(:gapAt, gap_at)
                    WHERE name = :group AND lease_owner = :owner AND fence = :fence
                    """,
                arguments: [
                    "cursor": cursor, "now": SQLiteRow.millis(now), "gapAfter": gap?.after, "gapThrough": gap?.through,
                    "gapAt": gap.map { SQLiteRow.millis($0.at) }, "group": lease.group, "owner": lease.owner, "fence": lease.fence,
                ])
            return db.changesCount == 1
        }
    }

    // MARK: Dead letters

    public func addDeadLetter(_ lease: GroupLease, event: LogEvent, attempts: Int, error: String, now: Date) async throws -> Bool {
        let json = try SQLiteRow.json(event)
        return try await pool.write { db in
            guard try Self.holds(db, lease) else { return false }
            try db.execute(
                sql: """
                    INSERT INTO dead_letters (group_name, event_id, event, attempts, error, state, failed_at)
                    VALUES (?, ?, ?, ?, ?, 'dead', ?)
                    """,
                arguments: [lease.group, event.id, json, attempts, error, SQLiteRow.millis(now)])
            return true
        }
    }

    private static let deadLetterColumns = "id, group_name, event, attempts, error, state, failed_at, replay_requested_at"

    private static func deadLetter(_ row: Row) throws -> DeadLetter {
        guard let state = DeadLetter.State(rawValue: row[5]) else {
            throw DatabaseError(message: "unknown dead letter state '\(row[5] as String)'")
        }
        return DeadLetter(
            id: row[0], group: row[1], event: try SQLiteRow.decode(LogEvent.self, row[2]), attempts: row[3], error: row[4],
            state: state, failedAt: SQLiteRow.date(row[6] as Int64), replayRequestedAt: SQLiteRow.date(row[7] as Int64?))
    }

    public func deadLetters(group: String, after: Int64?, limit: Int) async throws -> [DeadLetter] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.deadLetterColumns) FROM dead_letters WHERE group_name = ? AND id > ? ORDER BY id LIMIT ?",
                arguments: [group, after ?? 0, max(0, limit)]
            ).map(Self.deadLetter)
        }
    }

    public func requestReplay(group: String, id: Int64?, now: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE dead_letters SET state = 'replaying', replay_requested_at = ?
                    WHERE group_name = ? AND state = 'dead' AND (? IS NULL OR id = ?)
                    """,
                arguments: [SQLiteRow.millis(now), group, id, id])
            return db.changesCount
        }
    }

    public func pendingReplays(group: String, limit: Int) async throws -> [DeadLetter] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.deadLetterColumns) FROM dead_letters WHERE group_name = ? AND state = 'replaying' ORDER BY id LIMIT ?",
                arguments: [group, max(0, limit)]
            ).map(Self.deadLetter)
        }
    }

    public func finishReplay(_ lease: GroupLease, id: Int64, failure: ReplayFailure?, now: Date) async throws -> Bool {
        try await pool.write { db in
            guard try Self.holds(db, lease) else { return false }
            if let failure {
                try db.execute(
                    sql: """
                        UPDATE dead_letters SET state = 'dead', attempts = ?, error = ?, failed_at = ?, replay_requested_at = NULL
                        WHERE id = ? AND group_name = ? AND state = 'replaying'
                        """,
                    arguments: [failure.attempts, failure.error, SQLiteRow.millis(now), id, lease.group])
            } else {
                try db.execute(
                    sql: "DELETE FROM dead_letters WHERE id = ? AND group_name = ? AND state = 'replaying'",
                    arguments: [id, lease.group])
            }
            return true
        }
    }
}
