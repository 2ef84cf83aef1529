import ConveyorCore
import Foundation
import PostgresNIO

/// Unique jobs (docs/unique-jobs.md). A batch holding any job with `unique` runs in one
/// transaction that
///
/// 1. takes a transaction-scoped advisory lock per `(tenant, key)` of the batch, in one
///    statement, sorted, so two batches sharing keys cannot deadlock. Every node inserting
///    a key queues on the same lock, and the lock is held until COMMIT, so the next holder
///    of the lock sees the row the previous one inserted;
/// 2. in a new statement (so, under READ COMMITTED, a fresh snapshot taken after the
///    locks were granted), looks up idempotency keys, then each unique job's holder;
/// 3. decides in request order: an earlier job of the batch holds its key too; replaces
///    waiting holders; inserts the rest with the plain batch insert.
///
/// Jobs without `unique` never come here (``PostgresJobStore/insertJobs(_:)``).
extension PostgresJobStore {
    /// The first key of the two-key advisory locks on unique keys (the second is
    /// `hashtext(tenant:key)`). Two-key locks are a space apart from the one-key
    /// (bigint) locks the rest of the store takes, so they never collide with those.
    static let uniqueKeyLock: Int32 = 74_155_302

    func insertUnique(_ jobs: [NewJob]) async throws -> [InsertResult] {
        try await client.readCommittedTransaction(logger: logger) { connection in
            try await self.insertUnique(jobs, on: connection)
        }
    }

    private struct Pending {
        /// Index of the accepted job (in `accepted`) the result refers to.
        var acceptedPosition: Int
        var disposition: InsertDisposition
    }

    private func insertUnique(_ jobs: [NewJob], on db: PostgresConnection) async throws -> [InsertResult] {
        let uniqueIndices = jobs.indices.filter { jobs[$0].unique != nil }
        try await lockUniqueKeys(uniqueIndices.map { jobs[$0] }, on: db)
        let idempotent = try await existingIdempotent(uniqueIndices.map { jobs[$0] }, on: db)
        let holders = try await storedHolders(
            uniqueIndices.filter { index in
                guard let key = jobs[index].idempotencyKey else { return true }
                return idempotent[InsertBatch.Key(tenant: jobs[index].tenant, key: key)] == nil
            }.map { ($0, jobs[$0]) }, on: db)

        var results: [InsertResult?] = Array(repeating: nil, count: jobs.count)
        var accepted: [NewJob] = []
        var acceptedIndex: [Int] = []
        // Unique jobs of this batch that will be inserted, by key: they hold the key for later ones.
        var batchHolders: [InsertBatch.Key: [Int]] = [:]
        var pending: [Int: Pending] = [:]
        var replacedStored: [String: Job] = [:]

        for index in jobs.indices {
            let new = jobs[index]
            guard let unique = new.unique else {
                accepted.append(new)
                acceptedIndex.append(index)
                continue
            }
            if let key = new.idempotencyKey, let existing = idempotent[InsertBatch.Key(tenant: new.tenant, key: key)] {
                results[index] = InsertResult(job: existing, created: false)
                continue
            }
            let key = InsertBatch.Key(tenant: new.tenant, key: unique.key)
            // The newest earlier job of the batch that holds the key; all of them wait, so
            // the newest is the one preferred, as for stored holders.
            if let position = batchHolders[key]?.last(where: { position in
                unique.isHeld(state: accepted[position].initialState, createdAt: accepted[position].createdAt, now: new.createdAt)
            }) {
                if unique.replace {
                    accepted[position].payload = new.payload
                    // Keep the holder's creation time: the state follows from the new run_at.
                    accepted[position].runAt = new.runAt
                    pending[index] = Pending(acceptedPosition: position, disposition: .replaced)
                } else {
                    pending[index] = Pending(acceptedPosition: position, disposition: .uniqueConflict)
                }
                continue
            }
            if var holder = holders[index] {
                if let newer = replacedStored[holder.id] { holder = newer }
                if unique.replace, UniqueOptions.replaceableStates.contains(holder.state) {
                    if let replaced = try await replace(holder.id, with: new, on: db) {
                        replacedStored[replaced.id] = replaced
                        results[index] = InsertResult(job: replaced, disposition: .replaced)
                        continue
                    }
                    // A worker claimed it since the look: refuse, with the job as it is now.
                    holder = try await fetchJob(id: holder.id, on: db) ?? holder
                }
                results[index] = InsertResult(job: holder, disposition: .uniqueConflict)
                continue
            }
            batchHolders[key, default: []].append(accepted.count)
            accepted.append(new)
            acceptedIndex.append(index)
        }

        if !accepted.isEmpty {
            let inserted = try await insert(try InsertBatch(accepted), on: db)
            for (position, result) in inserted.enumerated() {
                results[acceptedIndex[position]] = result
            }
            for (index, reference) in pending {
                results[index] = InsertResult(job: inserted[reference.acceptedPosition].job, disposition: reference.disposition)
            }
        }
        // A stored job replaced twice in one batch: every answer shows its last version.
        return try results.map { result in
            guard var result else { throw PostgresStoreError("a job of a unique batch got no answer") }
            if let newer = replacedStored[result.job.id] { result.job = newer }
            return result
        }
    }

    /// Step 1: one lock per distinct `(tenant, key)`, taken in hash order.
    private func lockUniqueKeys(_ jobs: [NewJob], on db: PostgresConnection) async throws {
        let names = Array(Set(jobs.compactMap { job in job.unique.map { "\(job.tenant):\($0.key)" } }))
        // A volatile function in the select list runs after ORDER BY, in order.
        try await db.rows(
            """
            SELECT pg_advisory_xact_lock(\(unescaped: String(Self.uniqueKeyLock)), h)
            FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(\(names)::text[]) AS k) AS keys ORDER BY h
            """, logger: logger)
    }

    /// Jobs already stored under the idempotency keys of `jobs`, which win over `unique`.
    private func existingIdempotent(_ jobs: [NewJob], on db: PostgresConnection) async throws -> [InsertBatch.Key: Job] {
        let keyed = jobs.compactMap { job in job.idempotencyKey.map { InsertBatch.Key(tenant: job.tenant, key: $0) } }
        guard !keyed.isEmpty else { return [:] }
        var existing: [InsertBatch.Key: Job] = [:]
        let query: PostgresQuery = """
            SELECT \(unescaped: PostgresJobRow.columns) FROM conveyor_jobs
            WHERE idempotency_key IS NOT NULL
                AND (tenant, idempotency_key) IN (SELECT * FROM unnest(\(keyed.map(\.tenant))::text[], \(keyed.map(\.key))::text[]))
            """
        for row in try await db.rows(query, logger: logger) {
            let job = try PostgresJobRow.job(row)
            if let key = job.idempotencyKey { existing[InsertBatch.Key(tenant: job.tenant, key: key)] = job }
        }
        return existing
    }

    /// Step 2: for each unique job (by its batch index), the stored job holding its key, if
    /// any: in one of its states, or created within its period. Waiting holders first,
    /// then the newest, as on SQLite.
    private func storedHolders(_ jobs: [(index: Int, job: NewJob)], on db: PostgresConnection) async throws -> [Int: Job] {
        guard !jobs.isEmpty else { return [:] }
        let options = jobs.map { $0.job.unique! }
        let order = "ORDER BY state IN ('scheduled', 'queued') DESC, id DESC LIMIT 1"
        let query: PostgresQuery = """
            SELECT m.*, u.u_ord FROM unnest(
                \(jobs.map { $0.job.tenant })::text[], \(options.map(\.key))::text[],
                \(options.map { $0.resolvedStates.map(\.rawValue).joined(separator: ",") })::text[],
                \(PostgresNullableArray(zip(jobs, options).map { job, unique in
                    unique.periodSeconds == nil ? nil : PostgresTimestamp(unique.periodStart(now: job.job.createdAt))
                }))::timestamptz[],
                \(jobs.map { $0.index })::bigint[]
            ) AS u(u_tenant, u_key, u_states, u_cutoff, u_ord)
            CROSS JOIN LATERAL (
                SELECT * FROM (
                    (SELECT \(unescaped: PostgresJobRow.columns) FROM conveyor_jobs
                        WHERE tenant = u.u_tenant AND unique_key = u.u_key AND state = ANY(string_to_array(u.u_states, ','))
                        \(unescaped: order))
                    UNION ALL
                    (SELECT \(unescaped: PostgresJobRow.columns) FROM conveyor_jobs
                        WHERE tenant = u.u_tenant AND unique_key = u.u_key AND created_at >= u.u_cutoff
                        \(unescaped: order))
                ) AS found \(unescaped: order)
            ) AS m
            """
        var holders: [Int: Job] = [:]
        for row in try await db.rows(query, logger: logger) {
            let cells = row.makeRandomAccess()
            let index = try cells[cells.count - 1].decode(Int.self)
            holders[index] = try PostgresJobRow.job(row)
        }
        return holders
    }

    /// The debounce: a waiting holder takes the new payload and `run_at`, and the state
    /// that `run_at` implies; nil when it no longer waits. Moving between `scheduled` and
    /// `queued` appends no event (docs/events.md).
    private func replace(_ id: String, with new: NewJob, on db: PostgresConnection) async throws -> Job? {
        let query: PostgresQuery = """
            UPDATE conveyor_jobs SET payload = \(try JSONB(new.payload))::jsonb, run_at = \(PostgresTimestamp(new.runAt)),
                state = \(new.initialState.rawValue)
            WHERE id = \(id) AND state IN ('scheduled', 'queued')
            RETURNING \(unescaped: PostgresJobRow.columns)
            """
        return try await db.rows(query, logger: logger).first.map(PostgresJobRow.job)
    }
}
