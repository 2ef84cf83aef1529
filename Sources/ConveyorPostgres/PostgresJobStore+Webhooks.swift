import ConveyorCore
import Foundation
import PostgresNIO

/// Outbound webhooks: endpoints, the dispatcher's cursor, deliveries and their attempts.
extension PostgresJobStore {
    static let endpointColumns = """
        e.id, e.tenant, e.url, e.events, e.description, e.secret, e.previous_secret, e.previous_secret_expires_at, e.ordered,
        e.max_concurrency, e.enabled, e.disabled_reason, e.consecutive_failures, e.start_after, e.created_at, e.updated_at, e.created_by
        """

    /// Serialises claims, so each endpoint's in-flight count is read and raised by one sender at a time.
    static let webhookClaimLock: Int64 = 0x7768_6B63_6C61_696D

    static func endpoint(_ c: inout PostgresJobRow.Columns) throws -> WebhookEndpoint {
        let (id, tenant, url, events) = (try c.next(String.self), try c.next(String.self), try c.next(String.self), try c.next(JSONB.self))
        let (description, secret, previous) = (try c.next(String.self), try c.next(String.self), try c.next(String?.self))
        let (previousUntil, ordered, maxConcurrency) = (try c.next(PostgresTimestamp?.self), try c.next(Bool.self), try c.next(Int.self))
        let (enabled, reason, failures, start) = (try c.next(Bool.self), try c.next(String?.self), try c.next(Int.self), try c.next(Int64.self))
        let (created, updated, by) = (try c.next(PostgresTimestamp.self), try c.next(PostgresTimestamp.self), try c.next(String?.self))
        return WebhookEndpoint(
            id: id, tenant: tenant, url: url, events: try events.decode([String].self), description: description, secret: secret,
            previousSecret: previous, previousSecretExpiresAt: previousUntil?.date, ordered: ordered, maxConcurrency: maxConcurrency,
            enabled: enabled, disabledReason: reason, consecutiveFailures: failures, startAfter: start, createdAt: created.date,
            updatedAt: updated.date, createdBy: by)
    }

    static let deliveryColumns = "id, endpoint_id, event_id, event_type, tenant, state, next_attempt_at, created_at, updated_at, attempts"

    static func delivery(_ row: PostgresRow) throws -> WebhookDelivery {
        var c = PostgresJobRow.Columns(row)
        return try delivery(&c)
    }

    /// The delivery from the next columns of a row (``deliveryColumns``).
    static func delivery(_ c: inout PostgresJobRow.Columns) throws -> WebhookDelivery {
        let (id, endpointID, eventID, eventType, tenant) =
            (try c.next(String.self), try c.next(String.self), try c.next(Int64.self), try c.next(String.self), try c.next(String.self))
        let stateText = try c.next(String.self)
        guard let state = WebhookDelivery.State(rawValue: stateText) else { throw PostgresStoreError("unknown delivery state '\(stateText)'") }
        let (next, created, updated, attempts) =
            (try c.next(PostgresTimestamp?.self), try c.next(PostgresTimestamp.self), try c.next(PostgresTimestamp.self), try c.next(JSONB.self))
        return WebhookDelivery(
            id: id, endpointID: endpointID, eventID: eventID, eventType: eventType, tenant: tenant, state: state, nextAttemptAt: next?.date,
            createdAt: created.date, updatedAt: updated.date, attempts: try attempts.decode([WebhookAttempt].self))
    }

    private func fetchEndpoint(_ id: String, on db: some PostgresQueryRunner) async throws -> WebhookEndpoint? {
        try await db.rows("SELECT \(unescaped: Self.endpointColumns) FROM conveyor_webhook_endpoints e WHERE e.id = \(id)", logger: logger)
            .first.map { row in
                var c = PostgresJobRow.Columns(row)
                return try Self.endpoint(&c)
            }
    }

    private func fetchDelivery(_ id: String, on db: some PostgresQueryRunner) async throws -> WebhookDelivery? {
        try await db.rows("SELECT \(unescaped: Self.deliveryColumns) FROM conveyor_webhook_deliveries WHERE id = \(id)", logger: logger)
            .first.map(Self.delivery)
    }

    // MARK: Endpoints

    public func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> WebhookEndpoint {
        let e = endpoint
        let rows = try await client.rows(
            """
            INSERT INTO conveyor_webhook_endpoints (id, tenant, url, events, description, secret, previous_secret,
                previous_secret_expires_at, ordered, max_concurrency, enabled, disabled_reason, consecutive_failures, start_after,
                created_at, updated_at, created_by)
            VALUES (\(e.id), \(e.tenant), \(e.url), \(try JSONB(encoding: e.events)), \(e.description), \(e.secret), \(e.previousSecret),
                \(e.previousSecretExpiresAt.map(PostgresTimestamp.init)), \(e.ordered), \(e.maxConcurrency), \(e.enabled),
                \(e.disabledReason), \(e.consecutiveFailures), (SELECT COALESCE(max(id), 0) FROM conveyor_events),
                \(PostgresTimestamp(e.createdAt)), \(PostgresTimestamp(e.updatedAt)), \(e.createdBy))
            RETURNING start_after
            """, logger: logger)
        var created = endpoint
        created.startAfter = try rows.first?.decode(Int64.self) ?? 0
        return created
    }

    public func webhookEndpoint(id: String) async throws -> WebhookEndpoint? {
        try await fetchEndpoint(id, on: client)
    }

    public func webhookEndpoints(tenant: String?) async throws -> [WebhookEndpoint] {
        try await client.rows(
            """
            SELECT \(unescaped: Self.endpointColumns) FROM conveyor_webhook_endpoints e
            WHERE \(tenant)::text IS NULL OR e.tenant = \(tenant) ORDER BY e.created_at, e.id
            """, logger: logger
        ).map { row in
            var c = PostgresJobRow.Columns(row)
            return try Self.endpoint(&c)
        }
    }

    public func updateWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> Bool {
        let e = endpoint
        let rows = try await client.rows(
            """
            UPDATE conveyor_webhook_endpoints SET url = \(e.url), events = \(try JSONB(encoding: e.events)), description = \(e.description),
                secret = \(e.secret), previous_secret = \(e.previousSecret),
                previous_secret_expires_at = \(e.previousSecretExpiresAt.map(PostgresTimestamp.init)), ordered = \(e.ordered),
                max_concurrency = \(e.maxConcurrency), enabled = \(e.enabled), disabled_reason = \(e.disabledReason),
                consecutive_failures = \(e.consecutiveFailures), updated_at = \(PostgresTimestamp(e.updatedAt))
            WHERE id = \(e.id) RETURNING id
            """, logger: logger)
        return !rows.isEmpty
    }

    public func deleteWebhookEndpoint(id: String) async throws -> Bool {
        try await client.readCommittedTransaction(logger: logger) { db in
            let rows = try await db.rows("DELETE FROM conveyor_webhook_endpoints WHERE id = \(id) RETURNING id", logger: logger)
            guard !rows.isEmpty else { return false }
            try await db.rows("DELETE FROM conveyor_webhook_deliveries WHERE endpoint_id = \(id)", logger: logger)
            return true
        }
    }

    // MARK: Dispatch

    public func webhookDispatchCursor() async throws -> Int64 {
        try await client.rows("SELECT cursor FROM conveyor_webhook_dispatch WHERE id = 1", logger: logger).first?.decode(Int64.self) ?? 0
    }

    public func dispatchWebhookDeliveries(_ deliveries: [NewWebhookDelivery], cursor: Int64, now: Date) async throws -> Int {
        let at = PostgresTimestamp(now)
        let (ids, endpoints, events) = (deliveries.map(\.id), deliveries.map(\.endpointID), deliveries.map(\.eventID))
        let (types, tenants, bodies) = (deliveries.map(\.eventType), deliveries.map(\.tenant), deliveries.map(\.body))
        return try await client.readCommittedTransaction(logger: logger) { db in
            var created = 0
            if !deliveries.isEmpty {
                let rows = try await db.rows(
                    """
                    INSERT INTO conveyor_webhook_deliveries
                        (id, endpoint_id, event_id, event_type, tenant, body, state, next_attempt_at, created_at, updated_at)
                    SELECT u.id, e.id, u.event_id, u.event_type, u.tenant, u.body, 'pending', \(at), \(at), \(at)
                    FROM UNNEST(\(ids)::text[], \(endpoints)::text[], \(events)::bigint[], \(types)::text[], \(tenants)::text[], \(bodies)::text[])
                        AS u(id, endpoint_id, event_id, event_type, tenant, body)
                    JOIN conveyor_webhook_endpoints e ON e.id = u.endpoint_id
                    ON CONFLICT (endpoint_id, event_id) DO NOTHING
                    RETURNING 1
                    """, logger: logger)
                created = rows.count
            }
            try await db.rows("UPDATE conveyor_webhook_dispatch SET cursor = GREATEST(cursor, \(cursor)) WHERE id = 1", logger: logger)
            return created
        }
    }

    // MARK: Sending

    public func claimWebhookDeliveries(owner: String, limit: Int, leaseUntil: Date, now: Date) async throws -> [ClaimedWebhookDelivery] {
        let (at, until) = (PostgresTimestamp(now), PostgresTimestamp(leaseUntil))
        let endpointColumns = Self.endpointColumns
        return try await client.readCommittedTransaction(logger: logger) { db in
            try await db.rows("SELECT pg_advisory_xact_lock(\(Self.webhookClaimLock))", logger: logger)
            let rows = try await db.rows(
                """
                WITH inflight AS (
                    SELECT endpoint_id, count(*) AS n FROM conveyor_webhook_deliveries
                    WHERE state = 'pending' AND lease_expires_at > \(at) GROUP BY endpoint_id
                ), ready AS (
                    SELECT d.id, d.endpoint_id, e.max_concurrency,
                        row_number() OVER (PARTITION BY d.endpoint_id ORDER BY d.event_id) AS rn
                    FROM conveyor_webhook_deliveries d JOIN conveyor_webhook_endpoints e ON e.id = d.endpoint_id
                    WHERE d.state = 'pending' AND e.enabled AND d.next_attempt_at <= \(at)
                        AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= \(at))
                        AND (NOT e.ordered OR NOT EXISTS (
                            SELECT 1 FROM conveyor_webhook_deliveries p
                            WHERE p.endpoint_id = d.endpoint_id AND p.state = 'pending' AND p.event_id < d.event_id))
                ), picked AS (
                    SELECT r.id FROM ready r LEFT JOIN inflight i ON i.endpoint_id = r.endpoint_id
                    WHERE r.rn + COALESCE(i.n, 0) <= r.max_concurrency
                    ORDER BY r.rn, r.id LIMIT \(limit)
                ), leased AS (
                    UPDATE conveyor_webhook_deliveries d SET lease_owner = \(owner), lease_expires_at = \(until)
                    FROM picked WHERE d.id = picked.id
                    RETURNING d.id, d.event_id, d.body, d.tries, d.attempt_count, d.endpoint_id
                )
                SELECT l.id, l.event_id, l.body, l.tries, l.attempt_count, \(unescaped: endpointColumns)
                FROM leased l JOIN conveyor_webhook_endpoints e ON e.id = l.endpoint_id
                ORDER BY l.event_id
                """, logger: logger)
            return try rows.map { row in
                var c = PostgresJobRow.Columns(row)
                let (id, eventID, body, tries, attempts) =
                    (try c.next(String.self), try c.next(Int64.self), try c.next(String.self), try c.next(Int.self), try c.next(Int.self))
                return ClaimedWebhookDelivery(id: id, eventID: eventID, body: body, tries: tries, attempts: attempts, endpoint: try Self.endpoint(&c))
            }
        }
    }

    public func recordWebhookAttempt(
        deliveryID: String, owner: String, attempt: WebhookAttempt, outcome: WebhookAttemptOutcome, disableAfter: Int, now: Date
    ) async throws -> WebhookAttemptRecord? {
        let attemptJSON = try JSONB(encoding: [attempt])
        let at = PostgresTimestamp(now)
        // The delivery's state follows from the outcome alone (the plan's is the same), so
        // it is written in the statement that also locks the endpoint.
        let (state, next) = (outcome.deliveryState.rawValue, outcome.nextAttemptAt.map(PostgresTimestamp.init))
        return try await client.readCommittedTransaction(logger: logger) { db -> WebhookAttemptRecord? in
            // Locks the endpoint row, so two senders recording attempts of one endpoint count
            // one after the other, each from the count the other wrote.
            let rows = try await db.rows(
                """
                WITH d AS (
                    UPDATE conveyor_webhook_deliveries SET state = \(state), next_attempt_at = \(next), tries = tries + 1,
                        attempt_count = attempt_count + 1, lease_owner = NULL, lease_expires_at = NULL,
                        attempts = attempts || \(attemptJSON), updated_at = \(at)
                    WHERE id = \(deliveryID) AND state = 'pending' AND lease_owner = \(owner)
                    RETURNING \(unescaped: Self.deliveryColumns)
                )
                SELECT d.*, \(unescaped: Self.endpointColumns)
                FROM d JOIN conveyor_webhook_endpoints e ON e.id = d.endpoint_id FOR UPDATE OF e
                """, logger: logger)
            guard let row = rows.first else { return nil }
            var c = PostgresJobRow.Columns(row)
            let (delivery, current) = (try Self.delivery(&c), try Self.endpoint(&c))
            let plan = try WebhookAttemptPlan.after(attempt, outcome: outcome, endpoint: current, disableAfter: disableAfter, now: now)
            let endpoint = plan.endpoint
            if endpoint != current {
                try await db.rows(
                    """
                    UPDATE conveyor_webhook_endpoints SET consecutive_failures = \(endpoint.consecutiveFailures),
                        enabled = \(endpoint.enabled), disabled_reason = \(endpoint.disabledReason),
                        updated_at = \(PostgresTimestamp(endpoint.updatedAt))
                    WHERE id = \(endpoint.id)
                    """, logger: logger)
            }
            if let event = plan.event {
                try await db.rows(
                    "SELECT conveyor_append_event(\(event.type), \(event.topic), \(event.key), \(event.tenant), \(event.data)::json)",
                    logger: logger)
            }
            return WebhookAttemptRecord(delivery: delivery, disabledEndpoint: plan.disablesEndpoint)
        }
    }

    // MARK: The delivery log

    public func webhookDelivery(id: String) async throws -> WebhookDelivery? {
        try await fetchDelivery(id, on: client)
    }

    public func webhookDeliveries(endpointID: String, cursor: Int64?, limit: Int) async throws -> WebhookDeliveryPage {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.deliveryColumns) FROM conveyor_webhook_deliveries
            WHERE endpoint_id = \(endpointID) AND (\(cursor)::bigint IS NULL OR event_id < \(cursor)) ORDER BY event_id DESC LIMIT \(limit + 1)
            """, logger: logger
        ).map(Self.delivery)
        let page = Array(rows.prefix(limit))
        return WebhookDeliveryPage(deliveries: page, nextCursor: rows.count > limit ? page.last.map { String($0.eventID) } : nil)
    }

    public func redeliverWebhook(id: String, now: Date) async throws -> WebhookDelivery? {
        let at = PostgresTimestamp(now)
        try await client.rows(
            """
            UPDATE conveyor_webhook_deliveries SET state = 'pending', tries = 0, next_attempt_at = \(at), lease_owner = NULL,
                lease_expires_at = NULL, updated_at = \(at) WHERE id = \(id)
            """, logger: logger)
        return try await fetchDelivery(id, on: client)
    }

    public func pruneWebhookDeliveries(before: Date, limit: Int) async throws -> Int {
        try await client.rows(
            """
            DELETE FROM conveyor_webhook_deliveries WHERE id IN (
                SELECT id FROM conveyor_webhook_deliveries
                WHERE state IN ('succeeded', 'failed') AND updated_at < \(PostgresTimestamp(before)) LIMIT \(limit))
            RETURNING 1
            """, logger: logger
        ).count
    }
}
