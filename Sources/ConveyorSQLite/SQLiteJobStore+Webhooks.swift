import ConveyorCore
import Foundation
import GRDB

/// Outbound webhooks: endpoints, the dispatcher's cursor, deliveries and their attempts.
extension SQLiteJobStore {
    static let endpointColumns = """
        id, tenant, url, events, description, secret, previous_secret, previous_secret_expires_at, ordered, max_concurrency,
        enabled, disabled_reason, consecutive_failures, start_after, created_at, updated_at, created_by
        """

    static func endpoint(_ row: Row, offset: Int = 0) throws -> WebhookEndpoint {
        let o = offset
        return WebhookEndpoint(
            id: row[o], tenant: row[o + 1], url: row[o + 2], events: try SQLiteRow.decode([String].self, row[o + 3]),
            description: row[o + 4], secret: row[o + 5], previousSecret: row[o + 6],
            previousSecretExpiresAt: SQLiteRow.date(row[o + 7] as Int64?), ordered: row[o + 8], maxConcurrency: row[o + 9],
            enabled: row[o + 10], disabledReason: row[o + 11], consecutiveFailures: row[o + 12], startAfter: row[o + 13],
            createdAt: SQLiteRow.date(row[o + 14] as Int64), updatedAt: SQLiteRow.date(row[o + 15] as Int64), createdBy: row[o + 16])
    }

    static let deliveryColumns = "id, endpoint_id, event_id, event_type, tenant, state, next_attempt_at, created_at, updated_at, attempts"

    static func delivery(_ row: Row) throws -> WebhookDelivery {
        guard let state = WebhookDelivery.State(rawValue: row[5]) else {
            throw DatabaseError(message: "unknown delivery state '\(row[5] as String)'")
        }
        return WebhookDelivery(
            id: row[0], endpointID: row[1], eventID: row[2], eventType: row[3], tenant: row[4], state: state,
            nextAttemptAt: SQLiteRow.date(row[6] as Int64?), createdAt: SQLiteRow.date(row[7] as Int64),
            updatedAt: SQLiteRow.date(row[8] as Int64), attempts: try SQLiteRow.decode([WebhookAttempt].self, row[9]))
    }

    private static func fetchEndpoint(_ db: Database, id: String) throws -> WebhookEndpoint? {
        try Row.fetchOne(db, sql: "SELECT \(endpointColumns) FROM webhook_endpoints WHERE id = ?", arguments: [id]).map { try endpoint($0) }
    }

    private static func fetchDelivery(_ db: Database, id: String) throws -> WebhookDelivery? {
        try Row.fetchOne(db, sql: "SELECT \(deliveryColumns) FROM webhook_deliveries WHERE id = ?", arguments: [id]).map(delivery)
    }

    // MARK: Endpoints

    public func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> WebhookEndpoint {
        let events = try SQLiteRow.json(endpoint.events)
        return try await pool.write { db in
            var created = endpoint
            created.startAfter = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM events") ?? 0
            try db.execute(
                sql: """
                    INSERT INTO webhook_endpoints (\(Self.endpointColumns))
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    created.id, created.tenant, created.url, events, created.description, created.secret, created.previousSecret,
                    created.previousSecretExpiresAt.map(SQLiteRow.millis), created.ordered, created.maxConcurrency, created.enabled,
                    created.disabledReason, created.consecutiveFailures, created.startAfter, SQLiteRow.millis(created.createdAt),
                    SQLiteRow.millis(created.updatedAt), created.createdBy,
                ])
            return created
        }
    }

    public func webhookEndpoint(id: String) async throws -> WebhookEndpoint? {
        try await pool.read { db in try Self.fetchEndpoint(db, id: id) }
    }

    public func webhookEndpoints(tenant: String?) async throws -> [WebhookEndpoint] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.endpointColumns) FROM webhook_endpoints WHERE ? IS NULL OR tenant = ? ORDER BY created_at, id",
                arguments: [tenant, tenant]
            ).map { try Self.endpoint($0) }
        }
    }

    public func updateWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> Bool {
        let events = try SQLiteRow.json(endpoint.events)
        return try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_endpoints SET url = ?, events = ?, description = ?, secret = ?, previous_secret = ?,
                        previous_secret_expires_at = ?, ordered = ?, max_concurrency = ?, enabled = ?, disabled_reason = ?,
                        consecutive_failures = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    endpoint.url, events, endpoint.description, endpoint.secret, endpoint.previousSecret,
                    endpoint.previousSecretExpiresAt.map(SQLiteRow.millis), endpoint.ordered, endpoint.maxConcurrency, endpoint.enabled,
                    endpoint.disabledReason, endpoint.consecutiveFailures, SQLiteRow.millis(endpoint.updatedAt), endpoint.id,
                ])
            return db.changesCount > 0
        }
    }

    public func deleteWebhookEndpoint(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM webhook_endpoints WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "DELETE FROM webhook_deliveries WHERE endpoint_id = ?", arguments: [id])
            return true
        }
    }

    // MARK: Dispatch

    public func webhookDispatchCursor() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT cursor FROM webhook_dispatch WHERE id = 1") ?? 0 }
    }

    public func dispatchWebhookDeliveries(_ deliveries: [NewWebhookDelivery], cursor: Int64, now: Date) async throws -> Int {
        let at = SQLiteRow.millis(now)
        return try await pool.write { db in
            var created = 0
            let insert = try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO webhook_deliveries
                        (id, endpoint_id, event_id, event_type, tenant, body, state, next_attempt_at, created_at, updated_at)
                    SELECT ?, e.id, ?, ?, ?, ?, 'pending', ?, ?, ? FROM webhook_endpoints e WHERE e.id = ?
                    """)
            for d in deliveries {
                try insert.execute(arguments: [d.id, d.eventID, d.eventType, d.tenant, d.body, at, at, at, d.endpointID])
                created += db.changesCount
            }
            try db.execute(sql: "UPDATE webhook_dispatch SET cursor = MAX(cursor, ?) WHERE id = 1", arguments: [cursor])
            return created
        }
    }

    // MARK: Sending

    /// Picks due deliveries within each endpoint's concurrency and ordering. PostgreSQL has
    /// its own copy inside its claim statement. The rule stays in SQL on both stores: it
    /// counts every endpoint's in-flight and pending deliveries under the claim's lock, which
    /// a pure Core plan could only do by reading every pending delivery first.
    static func claimableSQL(now: String, limit: String, enabled: String, ordered: String) -> String {
        """
        WITH inflight AS (
            SELECT endpoint_id, COUNT(*) AS n FROM webhook_deliveries
            WHERE state = 'pending' AND lease_expires_at > \(now) GROUP BY endpoint_id
        ), ready AS (
            SELECT d.id, d.endpoint_id, e.max_concurrency,
                ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.event_id) AS rn
            FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.state = 'pending' AND \(enabled) AND d.next_attempt_at <= \(now)
                AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= \(now))
                AND (NOT \(ordered) OR NOT EXISTS (
                    SELECT 1 FROM webhook_deliveries p
                    WHERE p.endpoint_id = d.endpoint_id AND p.state = 'pending' AND p.event_id < d.event_id))
        )
        SELECT r.id FROM ready r LEFT JOIN inflight i ON i.endpoint_id = r.endpoint_id
        WHERE r.rn + COALESCE(i.n, 0) <= r.max_concurrency
        ORDER BY r.rn, r.id LIMIT \(limit)
        """
    }

    public func claimWebhookDeliveries(owner: String, limit: Int, leaseUntil: Date, now: Date) async throws -> [ClaimedWebhookDelivery] {
        let (at, until) = (SQLiteRow.millis(now), SQLiteRow.millis(leaseUntil))
        return try await pool.write { db in
            let ids = try String.fetchAll(
                db, sql: Self.claimableSQL(now: "?1", limit: "?2", enabled: "e.enabled = 1", ordered: "e.ordered"),
                arguments: [at, limit])
            guard !ids.isEmpty else { return [] }
            var claimed: [ClaimedWebhookDelivery] = []
            for id in ids {
                try db.execute(
                    sql: "UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_at = ? WHERE id = ?", arguments: [owner, until, id])
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT d.id, d.event_id, d.body, d.tries, d.attempt_count, \(Self.endpointColumns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", "))
                            FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = ?
                            """, arguments: [id])
                else { continue }
                claimed.append(
                    ClaimedWebhookDelivery(
                        id: row[0], eventID: row[1], body: row[2], tries: row[3], attempts: row[4], endpoint: try Self.endpoint(row, offset: 5)))
            }
            return claimed
        }
    }

    public func recordWebhookAttempt(
        deliveryID: String, owner: String, attempt: WebhookAttempt, outcome: WebhookAttemptOutcome, disableAfter: Int, now: Date
    ) async throws -> WebhookAttemptRecord? {
        let attemptJSON = try SQLiteRow.json(attempt)
        let at = SQLiteRow.millis(now)
        return try await pool.write { db in
            guard
                let endpointID = try String.fetchOne(
                    db, sql: "SELECT endpoint_id FROM webhook_deliveries WHERE id = ? AND state = 'pending' AND lease_owner = ?",
                    arguments: [deliveryID, owner]),
                let current = try Self.fetchEndpoint(db, id: endpointID)
            else { return nil }
            // SQLite has one writer: the endpoint read here cannot change before the writes below.
            let plan = try WebhookAttemptPlan.after(attempt, outcome: outcome, endpoint: current, disableAfter: disableAfter, now: now)
            try db.execute(
                sql: """
                    UPDATE webhook_deliveries SET state = ?, next_attempt_at = ?, tries = tries + 1, attempt_count = attempt_count + 1,
                        lease_owner = NULL, lease_expires_at = NULL, attempts = json_insert(attempts, '$[#]', json(?)), updated_at = ?
                    WHERE id = ?
                    """, arguments: [plan.deliveryState.rawValue, plan.nextAttemptAt.map(SQLiteRow.millis), attemptJSON, at, deliveryID])
            let endpoint = plan.endpoint
            if endpoint != current {
                try db.execute(
                    sql: "UPDATE webhook_endpoints SET consecutive_failures = ?, enabled = ?, disabled_reason = ?, updated_at = ? WHERE id = ?",
                    arguments: [
                        endpoint.consecutiveFailures, endpoint.enabled, endpoint.disabledReason, SQLiteRow.millis(endpoint.updatedAt), endpoint.id,
                    ])
            }
            if let event = plan.event {
                try SQLiteEventLog.append(db, type: event.type, topic: event.topic, key: event.key, tenant: event.tenant, data: event.data)
            }
            guard let delivery = try Self.fetchDelivery(db, id: deliveryID) else { return nil }
            return WebhookAttemptRecord(delivery: delivery, disabledEndpoint: plan.disablesEndpoint)
        }
    }

    // MARK: The delivery log

    public func webhookDelivery(id: String) async throws -> WebhookDelivery? {
        try await pool.read { db in try Self.fetchDelivery(db, id: id) }
    }

    public func webhookDeliveries(endpointID: String, cursor: Int64?, limit: Int) async throws -> WebhookDeliveryPage {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.deliveryColumns) FROM webhook_deliveries
                    WHERE endpoint_id = ? AND (? IS NULL OR event_id < ?) ORDER BY event_id DESC LIMIT ?
                    """, arguments: [endpointID, cursor, cursor, limit + 1]
            ).map(Self.delivery)
            let page = Array(rows.prefix(limit))
            return WebhookDeliveryPage(deliveries: page, nextCursor: rows.count > limit ? page.last.map { String($0.eventID) } : nil)
        }
    }

    public func redeliverWebhook(id: String, now: Date) async throws -> WebhookDelivery? {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_deliveries SET state = 'pending', tries = 0, next_attempt_at = ?, lease_owner = NULL,
                        lease_expires_at = NULL, updated_at = ? WHERE id = ?
                    """, arguments: [SQLiteRow.millis(now), SQLiteRow.millis(now), id])
            return try Self.fetchDelivery(db, id: id)
        }
    }

    public func pruneWebhookDeliveries(before: Date, limit: Int) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    DELETE FROM webhook_deliveries WHERE id IN (
                        SELECT id FROM webhook_deliveries WHERE state IN ('succeeded', 'failed') AND updated_at < ? LIMIT ?)
                    """, arguments: [SQLiteRow.millis(before), limit])
            return db.changesCount
        }
    }
}
