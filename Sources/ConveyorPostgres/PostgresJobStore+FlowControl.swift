import ConveyorCore
import Foundation
import PostgresNIO

/// Queue settings, queue details and circuit breakers; the limits themselves are in
/// `conveyor_claim` (defined by ``PostgresSchema/V11KeyedClaim``).
extension PostgresJobStore {
    private static let settingsColumns = """
        paused, fair, concurrency_limit, key_concurrency_limit, rate_count, rate_period_ms, key_rate_count,
        key_rate_period_ms
        """

    private static func settings(_ c: inout PostgresJobRow.Columns) throws -> QueueSettings {
        let (paused, fair, limit, keyLimit) = (try c.next(Bool.self), try c.next(Bool.self), try c.next(Int?.self), try c.next(Int?.self))
        let (rateCount, ratePeriod, keyRateCount, keyRatePeriod) =
            (try c.next(Int?.self), try c.next(Int64?.self), try c.next(Int?.self), try c.next(Int64?.self))
        return QueueSettings(
            paused: paused, fair: fair, concurrencyLimit: limit, keyConcurrencyLimit: keyLimit,
            rateLimit: RateLimit(count: rateCount, periodMillis: ratePeriod),
            keyRateLimit: RateLimit(count: keyRateCount, periodMillis: keyRatePeriod))
    }

    public func allQueueSettings() async throws -> [String: QueueSettings] {
        var all: [String: QueueSettings] = [:]
        for row in try await client.rows(
            "SELECT queue, \(unescaped: Self.settingsColumns) FROM conveyor_queue_settings", logger: logger)
        {
            var c = PostgresJobRow.Columns(row)
            let queue = try c.next(String.self)
            all[queue] = try Self.settings(&c)
        }
        return all
    }

    public func queueSettings(queue: String) async throws -> QueueSettings? {
        let rows = try await client.rows(
            "SELECT \(unescaped: Self.settingsColumns) FROM conveyor_queue_settings WHERE queue = \(queue)", logger: logger)
        guard let row = rows.first else { return nil }
        var c = PostgresJobRow.Columns(row)
        return try Self.settings(&c)
    }

    public func setQueueSettings(_ settings: QueueSettings, queue: String, now: Date) async throws {
        // A changed rate starts with a full bucket rather than one sized by the old rate.
        try await client.rows(
            """
            INSERT INTO conveyor_queue_settings AS s (queue, fair, concurrency_limit, key_concurrency_limit, rate_count,
                rate_period_ms, key_rate_count, key_rate_period_ms, updated_at)
            VALUES (\(queue), \(settings.fair), \(settings.concurrencyLimit), \(settings.keyConcurrencyLimit),
                \(settings.rateLimit?.count), \(settings.rateLimit?.periodMillis), \(settings.keyRateLimit?.count), \(settings.keyRateLimit?.periodMillis),
                \(PostgresTimestamp(now)))
            ON CONFLICT (queue) DO UPDATE SET fair = EXCLUDED.fair, concurrency_limit = EXCLUDED.concurrency_limit,
                key_concurrency_limit = EXCLUDED.key_concurrency_limit, rate_count = EXCLUDED.rate_count,
                rate_period_ms = EXCLUDED.rate_period_ms, key_rate_count = EXCLUDED.key_rate_count,
                key_rate_period_ms = EXCLUDED.key_rate_period_ms, updated_at = EXCLUDED.updated_at,
                tokens = CASE WHEN s.rate_count IS NOT DISTINCT FROM EXCLUDED.rate_count
                    AND s.rate_period_ms IS NOT DISTINCT FROM EXCLUDED.rate_period_ms THEN s.tokens END,
                tokens_at = CASE WHEN s.rate_count IS NOT DISTINCT FROM EXCLUDED.rate_count
                    AND s.rate_period_ms IS NOT DISTINCT FROM EXCLUDED.rate_period_ms THEN s.tokens_at END
            """, logger: logger)
    }

    public func setQueuePaused(queue: String, paused: Bool, now: Date) async throws -> Bool {
        try await client.readCommittedTransaction(logger: logger) { db in
            // The row lock orders concurrent pauses, so each change appends exactly one event.
            try await db.rows(
                """
                INSERT INTO conveyor_queue_settings (queue, updated_at) VALUES (\(queue), \(PostgresTimestamp(now)))
                ON CONFLICT (queue) DO NOTHING
                """, logger: self.logger)
            let rows = try await db.rows(
                "SELECT paused FROM conveyor_queue_settings WHERE queue = \(queue) FOR UPDATE", logger: self.logger)
            let was = try rows.first?.decode(Bool.self) ?? false
            guard let event = try QueuePauseChange.event(queue: queue, was: was, paused: paused) else { return false }
            try await db.rows(
                """
                UPDATE conveyor_queue_settings SET paused = \(paused), updated_at = \(PostgresTimestamp(now))
                WHERE queue = \(queue)
                """, logger: self.logger)
            try await db.rows(
                "SELECT conveyor_append_event(\(event.type), \(event.topic), \(event.key), \(event.tenant), \(event.data)::json)",
                logger: self.logger)
            return true
        }
    }

    public func runningByKey(queue: String, limit: Int) async throws -> [KeyCount] {
        try await client.rows(
            """
            SELECT concurrency_key, count(*) AS n FROM conveyor_jobs WHERE state = 'running' AND queue = \(queue)
            GROUP BY concurrency_key ORDER BY n DESC, concurrency_key LIMIT \(limit)
            """, logger: logger
        ).map { row in
            let (key, count) = try row.decode((String, Int).self)
            return KeyCount(key: key, count: count)
        }
    }

    public func finishedCounts(queue: String, since: Date, createdAfter: Date) async throws -> FinishedCounts {
        var counts = FinishedCounts(succeeded: 0, failed: 0)
        for row in try await client.rows(
            """
            SELECT state, count(*) FROM conveyor_jobs
            WHERE state IN ('succeeded', 'failed') AND queue = \(queue) AND id >= \(JobID.lowerBound(at: createdAfter))
                AND finished_at >= \(PostgresTimestamp(since))
            GROUP BY state
            """, logger: logger)
        {
            let (state, count) = try row.decode((String, Int).self)
            if state == "succeeded" { counts.succeeded = count } else { counts.failed = count }
        }
        return counts
    }

    public func pausedKeys(queue: String, now: Date) async throws -> [PausedKey] {
        try await client.rows(
            """
            SELECT key, paused_until FROM conveyor_queue_keys WHERE queue = \(queue) AND paused_until > \(PostgresTimestamp(now))
            ORDER BY paused_until DESC LIMIT 100
            """, logger: logger
        ).map { row in
            let (key, until) = try row.decode((String, PostgresTimestamp).self)
            return PausedKey(key: key, until: until.date)
        }
    }

    private static let circuitColumns = """
        type, key, queue, tenant, state, failures, threshold, cooldown_ms, opened_at, retry_at, probe_job_id,
        last_error, updated_at
        """

    private static func circuit(_ row: PostgresRow) throws -> Circuit {
        var c = PostgresJobRow.Columns(row)
        let (type, key, queue, tenant) = (try c.next(String.self), try c.next(String.self), try c.next(String.self), try c.next(String.self))
        let (state, failures, threshold, cooldown) = (try c.next(String.self), try c.next(Int.self), try c.next(Int.self), try c.next(Int64.self))
        let (opened, retry, probe) = (try c.next(PostgresTimestamp?.self), try c.next(PostgresTimestamp?.self), try c.next(String?.self))
        let (error, updated) = (try c.next(String?.self), try c.next(PostgresTimestamp.self))
        return Circuit(
            type: type, key: key, queue: queue, tenant: tenant, state: Circuit.State(rawValue: state) ?? .closed,
            failures: failures, threshold: threshold, cooldownSeconds: Double(cooldown) / 1000, openedAt: opened?.date,
            retryAt: retry?.date, probeJobID: probe, lastError: error, updatedAt: updated.date)
    }

    public func circuits(state: Circuit.State?, limit: Int) async throws -> [Circuit] {
        try await client.rows(
            """
            SELECT \(unescaped: Self.circuitColumns) FROM conveyor_circuits
            WHERE \(state?.rawValue)::text IS NULL OR state = \(state?.rawValue)
            ORDER BY state = 'closed', updated_at DESC, type, key LIMIT \(limit)
            """, logger: logger
        ).map(Self.circuit)
    }

    public func resetCircuits(key: String, type: String?, now: Date) async throws -> [Circuit] {
        try await client.readCommittedTransaction(logger: logger) { db in
            let rows = try await db.rows(
                """
                SELECT \(unescaped: Self.circuitColumns) FROM conveyor_circuits
                WHERE key = \(key) AND (\(type)::text IS NULL OR type = \(type)) ORDER BY type FOR UPDATE
                """, logger: self.logger)
            var reset: [Circuit] = []
            for row in rows {
                let (circuit, event) = try Self.circuit(row).reset(at: now)
                try await self.save(circuit, event: event, on: db)
                reset.append(circuit)
            }
            return reset
        }
    }

    /// Breaker counts and key pauses of the applied outcomes, in the completion's transaction.
    /// Breakers are locked in (type, key) order, so two completers cannot deadlock.
    func applyFlowControl(_ outcomes: [JobOutcome], applied: Set<String>, on db: PostgresConnection) async throws {
        for outcome in outcomes where applied.contains(outcome.lease.id) {
            guard let until = outcome.pauseKeyUntil else { continue }
            try await db.rows(
                """
                INSERT INTO conveyor_queue_keys AS k (queue, key, paused_until)
                SELECT queue, concurrency_key, \(PostgresTimestamp(until)) FROM conveyor_jobs WHERE id = \(outcome.lease.id)
                ON CONFLICT (queue, key) DO UPDATE
                SET paused_until = greatest(k.paused_until, EXCLUDED.paused_until)
                """, logger: logger)
        }
        let tracked = outcomes.filter { applied.contains($0.lease.id) && $0.circuit != nil }
            .sorted { ($0.circuit!.type, $0.circuit!.key) < ($1.circuit!.type, $1.circuit!.key) }
        for outcome in tracked {
            guard let tally = outcome.circuit else { continue }
            if case .retry = outcome.kind { try await ensureCircuit(tally, at: outcome.finishedAt, on: db) }
            if case .failed = outcome.kind { try await ensureCircuit(tally, at: outcome.finishedAt, on: db) }
            let rows = try await db.rows(
                """
                SELECT \(unescaped: Self.circuitColumns) FROM conveyor_circuits
                WHERE type = \(tally.type) AND key = \(tally.key) FOR UPDATE
                """, logger: logger)
            let current = try rows.first.map(Self.circuit)
            guard let (circuit, event) = Circuit.after(outcome, tally: tally, current: current) else { continue }
            try await save(circuit, event: event, on: db)
        }
    }

    /// Creates a closed breaker if there is none, so the failure's read below locks a row
    /// and two completers counting the first failures of a key both count.
    private func ensureCircuit(_ tally: CircuitTally, at now: Date, on db: PostgresConnection) async throws {
        try await db.rows(
            """
            INSERT INTO conveyor_circuits (type, key, queue, tenant, threshold, cooldown_ms, updated_at)
            VALUES (\(tally.type), \(tally.key), \(tally.queue), \(tally.tenant), \(tally.policy.threshold),
                \(Int64((tally.policy.cooldownSeconds * 1000).rounded())), \(PostgresTimestamp(now)))
            ON CONFLICT (type, key) DO NOTHING
            """, logger: logger)
    }

    /// Upserts a breaker (two completers may both create one: the later updates it) and appends its event.
    private func save(_ c: Circuit, event: String?, on db: PostgresConnection) async throws {
        try await db.rows(
            """
            INSERT INTO conveyor_circuits (\(unescaped: Self.circuitColumns))
            VALUES (\(c.type), \(c.key), \(c.queue), \(c.tenant), \(c.state.rawValue), \(c.failures), \(c.threshold),
                \(Int64((c.cooldownSeconds * 1000).rounded())), \(c.openedAt.map(PostgresTimestamp.init)),
                \(c.retryAt.map(PostgresTimestamp.init)), \(c.probeJobID), \(c.lastError), \(PostgresTimestamp(c.updatedAt)))
            ON CONFLICT (type, key) DO UPDATE SET queue = EXCLUDED.queue, tenant = EXCLUDED.tenant,
                state = EXCLUDED.state, failures = EXCLUDED.failures, threshold = EXCLUDED.threshold,
                cooldown_ms = EXCLUDED.cooldown_ms, opened_at = EXCLUDED.opened_at, retry_at = EXCLUDED.retry_at,
                probe_job_id = EXCLUDED.probe_job_id, last_error = EXCLUDED.last_error, updated_at = EXCLUDED.updated_at
            """, logger: logger)
        guard let event = try event.map(c.event) else { return }
        try await db.rows(
            "SELECT conveyor_append_event(\(event.type), \(event.topic), \(event.key), \(event.tenant), \(event.data)::json)",
            logger: logger)
    }
}
