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
/// 3. decides in request order, each job by ``UniqueResolution`` (earlier jobs of the
///    batch, not rows yet, hold its key too); replaces waiting stored holders; inserts the
///    rest with the plain batch insert.
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
        // Stored holders as this batch changed them (replaced), or as found again after a
        // replace missed them.
        var replacedStored: [String: Job] = [:]

        for index in jobs.indices {
            let new = jobs[index]
            guard let unique = new.unique else {
                accepted.append(new)
                acceptedIndex.append(index)
                continue
            }
            let key = InsertBatch.Key(tenant: new.tenant, key: unique.key)
            let idempotent = new.idempotencyKey.flatMap { idempotent[InsertBatch.Key(tenant: new.tenant, key: $0)] }
            // A stored holder as this batch left it (a replace may have changed its state).
            let stored = holders[index].map { replacedStored[$0.id] ?? $0 }
            let earlier = batchHolders[key, default: []]
            switch UniqueResolution.resolve(
                unique, now: new.createdAt, idempotent: idempotent, stored: stored.map { [UniqueHolder($0)] } ?? [],
                batch: earlier.map { UniqueHolder(accepted[$0]) })
            {
            case .idempotent(let existing):
                results[index] = InsertResult(job: existing, created: false)
            case .insert:
                batchHolders[key, default: []].append(accepted.count)
                accepted.append(new)
                acceptedIndex.append(index)
            case .replace(let holder):
                if let position = earlier.first(where: { accepted[$0].id == holder.id }) {
                    accepted[position].payload = new.payload
                    // Keep the holder's creation time: the state follows from the new run_at.
                    accepted[position].runAt = new.runAt
                    pending[index] = Pending(acceptedPosition: position, disposition: .replaced)
                } else if let replaced = try await replace(holder.id, with: new, on: db) {
                    replacedStored[replaced.id] = replaced
                    results[index] = InsertResult(job: replaced, disposition: .replaced)
                } else {
                    // A worker claimed it since the look: refuse, with the job as it is now.
                    guard let current = try await fetchJob(id: holder.id, on: db) ?? stored else {
                        throw PostgresStoreError("unique holder \(holder.id) vanished")
                    }
                    replacedStored[current.id] = current
                    results[index] = InsertResult(job: current, disposition: .uniqueConflict)
                }
            case .conflict(let holder):
                if let position = earlier.first(where: { accepted[$0].id == holder.id }) {
                    pending[index] = Pending(acceptedPosition: position, disposition: .uniqueConflict)
                } else if let stored, stored.id == holder.id {
                    results[index] = InsertResult(job: stored, disposition: .uniqueConflict)
                } else {
                    throw PostgresStoreError("unique holder \(holder.id) is neither stored nor in the batch")
                }
            }
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
    /// any: in one of its states, or created within its period. Sorted as
    /// ``UniqueHolder/precedes(_:_:)`` sorts, so each look keeps its best candidate.
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
