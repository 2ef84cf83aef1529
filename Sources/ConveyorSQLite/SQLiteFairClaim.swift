import ConveyorCore
import Foundation
import GRDB

/// The claim of a queue under flow control: pausing, caps on running jobs, rate limits,
/// open circuit breakers, keys a handler paused, and round robin across concurrency keys.
/// The algorithm is in docs/flow-control.md; PostgreSQL's `conveyor_fair_pick` (migration 11)
/// is the same in PL/pgSQL.
///
/// It runs inside the claim's write transaction, so SQLite's single writer makes every
/// count it reads exact: no other claim can interleave. PostgreSQL keeps the walk in
/// PL/pgSQL rather than a pure Core plan: its counts, tokens and cursor are read and
/// written under the queue's advisory lock, and a plan computed in Swift would cost a
/// round trip per key visited while that lock is held, on the claim's hot path.
struct SQLiteFairClaim {
    /// What one claim needs to know about its queue. Nil from ``load`` means the plain
    /// claim applies: no settings that need it, no tripped breaker, no paused key.
    struct Controls {
        var settings: QueueSettings
        var tokens: Double?
        var tokensAt: Date?
        var cursor: String?
        var hasRow: Bool
    }

    /// The most keys one claim looks at. The cursor moves past those it saw, so the next
    /// claim goes on from there and every key is reached in turn.
    static let maxKeysVisited = 2000

    static func load(_ db: Database, queue: String, now: Date) throws -> Controls? {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT s.queue IS NOT NULL, s.paused, s.fair, s.concurrency_limit, s.key_concurrency_limit,
                        s.rate_count, s.rate_period_ms, s.key_rate_count, s.key_rate_period_ms, s.tokens, s.tokens_at,
                        s.cursor,
                        EXISTS (SELECT 1 FROM circuits WHERE queue = ?1 AND state <> 'closed'),
                        EXISTS (SELECT 1 FROM queue_keys WHERE queue = ?1 AND paused_until > ?2)
                    FROM (SELECT 1) LEFT JOIN queue_settings s ON s.queue = ?1
                    """),
            arguments: [queue, SQLiteRow.millis(now)])
        guard let row else { return nil }
        let hasRow: Bool = row[0]
        let tripped: Bool = row[12]
        let keyPaused: Bool = row[13]
        let settings = hasRow ? SQLiteFlowControl.settings(row, from: 1) : QueueSettings()
        guard settings.paused || settings.needsFairClaim || tripped || keyPaused else { return nil }
        return Controls(
            settings: settings, tokens: row[9], tokensAt: SQLiteRow.date(row[10] as Int64?), cursor: row[11],
            hasRow: hasRow)
    }

    let db: Database
    let queue: String
    let now: Date
    let controls: Controls

    /// A key the walk found with room to run jobs.
    private struct Candidate {
        var key: String
        /// The key's most urgent queued job, found by the walk: with many keys most
        /// claims take one job per key, and then need no second look.
        var first: String
        var allowance: Int
        var blockedTypes: [String]
        var taken = 0
        var exhausted = false
    }

    /// The ids to claim, at most `limit`. Writes the buckets, the cursor and any breaker
    /// moved to half-open; the caller claims the ids in the same transaction.
    func pick(limit: Int) throws -> [String] {
        let settings = controls.settings
        if settings.paused { return [] }
        // Jobs enter the per-key index here, not at insert, so plain queues never pay for it.
        try db.cachedStatement(sql: "UPDATE jobs INDEXED BY jobs_claim SET keyed = 1 WHERE state = 'queued' AND queue = ? AND keyed = 0")
            .execute(arguments: [queue])
        var budget = limit
        var running: [String: Int] = [:]
        if settings.concurrencyLimit != nil || settings.keyConcurrencyLimit != nil {
            for row in try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT concurrency_key, count(*) FROM jobs WHERE state = 'running' AND queue = ? GROUP BY concurrency_key"),
                arguments: [queue])
            {
                running[row[0]] = row[1]
            }
        }
        if let cap = settings.concurrencyLimit { budget = min(budget, cap - running.values.reduce(0, +)) }
        var queueTokens: Double?
        if let rate = settings.rateLimit {
            let available = rate.available(tokens: controls.tokens, at: controls.tokensAt, now: now)
            queueTokens = available
            budget = min(budget, Int(available.rounded(.down)))
        }
        guard budget > 0 else { return [] }

        let pausedKeys = Set(
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT key FROM queue_keys WHERE queue = ? AND paused_until > ?"),
                arguments: [queue, SQLiteRow.millis(now)]))
        var blocked: [String: [String]] = [:]
        var probes: [(type: String, key: String)] = []
        for row in try Row.fetchAll(
            db.cachedStatement(sql: "SELECT type, key, state, retry_at FROM circuits WHERE queue = ? AND state <> 'closed'"),
            arguments: [queue])
        {
            let type: String = row[0]
            let key: String = row[1]
            blocked[key, default: []].append(type)
            let retryAt: Int64? = row[3]
            if (row[2] as String) == Circuit.State.open.rawValue, let retryAt, retryAt <= SQLiteRow.millis(now) {
                probes.append((type, key))
            }
        }

        var picked: [String] = []
        var takenByKey: [String: Int] = [:]
        var buckets: [String: Double] = [:]
        func allowance(_ key: String) throws -> Int {
            if pausedKeys.contains(key) { return 0 }
            var room = budget - picked.count
            if let cap = settings.keyConcurrencyLimit {
                room = min(room, cap - running[key, default: 0] - takenByKey[key, default: 0])
            }
            if let rate = settings.keyRateLimit {
                let tokens = try buckets[key] ?? keyTokens(key, rate)
                buckets[key] = tokens
                room = min(room, Int(tokens.rounded(.down)) - takenByKey[key, default: 0])
            }
            return room
        }

        // A breaker whose cool-down is over lets one probe job run: its outcome decides.
        for probe in probes where picked.count < budget {
            guard try allowance(probe.key) > 0,
                let id = try String.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT id FROM jobs INDEXED BY jobs_claim_key
                            WHERE state = 'queued' AND keyed = 1 AND queue = ? AND concurrency_key = ? AND type = ?
                            ORDER BY priority DESC, run_at, id LIMIT 1
                            """),
                    arguments: [queue, probe.key, probe.type])
            else { continue }
            try db.cachedStatement(
                sql: "UPDATE circuits SET state = 'half_open', probe_job_id = ?, updated_at = ? WHERE type = ? AND key = ?"
            ).execute(arguments: [id, SQLiteRow.millis(now), probe.type, probe.key])
            picked.append(id)
            takenByKey[probe.key, default: 0] += 1
        }

        // Walk the keys that have queued jobs, in key order from just after the last one
        // served, wrapping once, until there is a key per free slot; share the slots among
        // them; walk on while slots are left (a key whose jobs are all held back by a
        // breaker gives none).
        let start = controls.cursor ?? ""
        var after = start
        var wrapped = false
        var visited = 0
        var walkEnded = false
        while picked.count < budget && !walkEnded {
            var candidates: [Candidate] = []
            while candidates.count < budget - picked.count {
                guard visited < Self.maxKeysVisited else {
                    walkEnded = true
                    break
                }
                guard let (key, first) = try nextKey(after: after) else {
                    if wrapped || start.isEmpty {
                        walkEnded = true
                        break
                    }
                    wrapped = true
                    after = ""
                    continue
                }
                if wrapped && key > start {
                    walkEnded = true
                    break
                }
                visited += 1
                after = key
                let room = try allowance(key)
                if room > 0 {
                    candidates.append(Candidate(key: key, first: first, allowance: room, blockedTypes: blocked[key] ?? []))
                }
                if wrapped && key == start {
                    walkEnded = true
                    break
                }
            }
            let taken = try share(&candidates, slots: budget - picked.count)
            for candidate in candidates where candidate.taken > 0 {
                takenByKey[candidate.key, default: 0] += candidate.taken
            }
            picked += taken
        }

        try save(picked: picked.count, queueTokens: queueTokens, buckets: buckets, takenByKey: takenByKey, cursor: after)
        return picked
    }

    /// Shares `slots` among the candidates: each gets an equal quantum per pass, up to its
    /// allowance; what a short key leaves goes to the others in the next pass.
    private func share(_ candidates: inout [Candidate], slots: Int) throws -> [String] {
        var picked: [String] = []
        var remaining = slots
        while remaining > 0 {
            let open = candidates.indices.filter { !candidates[$0].exhausted && candidates[$0].taken < candidates[$0].allowance }
            guard !open.isEmpty else { break }
            let quantum = max(1, (remaining + open.count - 1) / open.count)
            var progressed = false
            for i in open where remaining > 0 {
                let want = min(quantum, candidates[i].allowance - candidates[i].taken, remaining)
                let ids = try jobs(of: candidates[i], limit: want)
                if ids.count < want { candidates[i].exhausted = true }
                candidates[i].taken += ids.count
                picked += ids
                remaining -= ids.count
                progressed = progressed || !ids.isEmpty
            }
            if !progressed { break }
        }
        return picked
    }

    /// The next key with queued jobs, and its most urgent job.
    private func nextKey(after key: String) throws -> (key: String, first: String)? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT concurrency_key, id FROM jobs INDEXED BY jobs_claim_key
                    WHERE state = 'queued' AND keyed = 1 AND queue = ? AND concurrency_key > ?
                    ORDER BY concurrency_key, priority DESC, run_at, id LIMIT 1
                    """),
            arguments: [queue, key]
        ).map { ($0[0], $0[1]) }
    }

    private func keyTokens(_ key: String, _ rate: RateLimit) throws -> Double {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT tokens, tokens_at FROM queue_keys WHERE queue = ? AND key = ?"),
            arguments: [queue, key])
        return rate.available(tokens: row?[0], at: SQLiteRow.date(row?[1] as Int64?), now: now)
    }

    /// The key's most urgent queued jobs after those already taken, skipping types whose
    /// breaker is not closed.
    private func jobs(of candidate: Candidate, limit: Int) throws -> [String] {
        if candidate.taken == 0 && limit == 1 && candidate.blockedTypes.isEmpty { return [candidate.first] }
        return try String.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id FROM jobs INDEXED BY jobs_claim_key
                    WHERE state = 'queued' AND keyed = 1 AND queue = ? AND concurrency_key = ?
                        AND type NOT IN (SELECT value FROM json_each(?))
                    ORDER BY priority DESC, run_at, id LIMIT ? OFFSET ?
                    """),
            arguments: [queue, candidate.key, try SQLiteRow.json(candidate.blockedTypes), limit, candidate.taken])
    }

    private func save(
        picked: Int, queueTokens: Double?, buckets: [String: Double], takenByKey: [String: Int], cursor: String
    ) throws {
        let nowMillis = SQLiteRow.millis(now)
        if controls.hasRow {
            try db.cachedStatement(
                sql: """
                    UPDATE queue_settings SET cursor = ?,
                        tokens = COALESCE(?, tokens), tokens_at = CASE WHEN ? IS NULL THEN tokens_at ELSE ? END
                    WHERE queue = ?
                    """
            ).execute(arguments: [cursor, queueTokens.map { $0 - Double(picked) }, queueTokens, nowMillis, queue])
        }
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO queue_keys (queue, key, tokens, tokens_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (queue, key) DO UPDATE SET tokens = excluded.tokens, tokens_at = excluded.tokens_at
                """)
        for (key, tokens) in buckets {
            let taken = takenByKey[key, default: 0]
            guard taken > 0 else { continue }
            try upsert.execute(arguments: [queue, key, tokens - Double(taken), nowMillis])
        }
    }
}
