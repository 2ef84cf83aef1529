import ConveyorCore
import Foundation
import PostgresNIO

/// The hot path: claiming, heartbeats and batched completion.
extension PostgresJobStore {
    /// One. Measured on a local server, more calls side by side drained no faster: with one
    /// the server is busy running the statements, with more it waits on the WAL flush
    /// (docs/performance.md). A server across a network may differ:
    /// ``QueueWorkerConfiguration/claimsInFlight`` overrides it.
    public var claimsInFlight: Int { 1 }

    public func claimJobs(queue: String, limit: Int, owner: String, leaseUntil: Date, now: Date) async throws -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        let statement = ClaimStatement(
            queue: queue, limit: limit, owner: owner, leaseUntil: PostgresTimestamp(leaseUntil), now: PostgresTimestamp(now))
        do {
            return try await Self.claimed(try await client.execute(statement, logger: logger))
        } catch let error as PSQLError where error.code == .server {
            // postgres-nio remembers a failed preparation for the connection's lifetime
            // (say, a claim that ran before the schema existed), and would repeat that
            // error forever. The statement failed whole, so running it once more,
            // unprepared, is safe and heals the poll.
            logger.debug("prepared claim failed; claiming unprepared", metadata: ["error": "\(String(reflecting: error))"])
            let query = PostgresQuery(unsafeSQL: ClaimStatement.sql, binds: try statement.makeBindings())
            return try ClaimStatement.claimedJobs(try await client.rows(query, logger: logger).map(statement.decodeRow))
        }
    }

    private static func claimed(_ sequence: some AsyncSequence<ClaimStatement.Row, any Error>) async throws -> [ClaimedJob] {
        var rows: [ClaimStatement.Row] = []
        for try await row in sequence { rows.append(row) }
        return try ClaimStatement.claimedJobs(rows)
    }

    /// Side by side rather than in one transaction: PostgreSQL's cost is the commit's
    /// flush, and two transactions in flight share one flush (group commit) where one
    /// transaction of four round trips waits for its own. Measured on the drain, one
    /// transaction was about 30% slower (docs/performance.md). The claim may then miss the
    /// room these outcomes free under a cap, so an empty claim looks once more after they
    /// are written: a pool at its key's cap would otherwise wait for its next poll. (A
    /// claim that got jobs returns them at once; their outcomes will bring the next claim.)
    public func completeAndClaim(
        _ outcomes: [JobOutcome], queue: String, limit: Int, owner: String, leaseUntil: Date, now: Date
    ) async throws -> (completed: Int, claimed: [ClaimedJob]) {
        async let completing = completeJobs(outcomes)
        async let claiming = claimJobs(queue: queue, limit: limit, owner: owner, leaseUntil: leaseUntil, now: now)
        let (completed, claimed) = (try await completing, try await claiming)
        guard completed > 0, claimed.isEmpty else { return (completed, claimed) }
        return (completed, try await claimJobs(queue: queue, limit: limit, owner: owner, leaseUntil: leaseUntil, now: now))
    }

    public func extendLeases(_ leases: [LeaseKey], owner: String, until: Date) async throws -> LeaseReport {
        guard !leases.isEmpty else { return LeaseReport() }
        let sorted = leases.sorted { $0.id < $1.id }
        let rows = try await client.rows(
            """
            UPDATE conveyor_jobs j SET lease_expires_at = \(PostgresTimestamp(until))
            FROM unnest(\(sorted.map(\.id))::text[], \(sorted.map(\.attempt))::bigint[]) AS u(id, attempt)
            WHERE j.id = u.id AND j.attempt = u.attempt AND j.lease_owner = \(owner) AND j.state = 'running'
            RETURNING j.id, j.attempt, j.cancel_requested
            """, logger: logger)
        var report = LeaseReport()
        var held: Set<LeaseKey> = []
        for row in rows {
            let (id, attempt, cancel) = try row.decode((String, Int, Bool).self)
            let lease = LeaseKey(id: id, attempt: attempt)
            held.insert(lease)
            if cancel { report.cancelRequested.insert(lease) }
        }
        report.lost = Set(leases).subtracting(held)
        return report
    }

    public func completeJobs(_ outcomes: [JobOutcome]) async throws -> Int {
        let batch = try CompletionBatch(outcomes)
        if batch.groups.count <= 1 && !outcomes.contains(where: \.countsTowardFlowControl) {
            // The usual batch holds one kind (all succeeded): one statement, no BEGIN/COMMIT.
            return try await Self.write(batch, on: client, logger: logger)
        }
        return try await client.readCommittedTransaction(logger: logger) { try await self.complete(batch, outcomes, in: $0) }
    }

    /// Runs the batch's statements; returns how many outcomes applied.
    private static func write(_ batch: CompletionBatch, on db: some PostgresQueryRunner, logger: Logger) async throws -> Int {
        var applied = 0
        for (kind, group) in batch.groups {
            applied += try await db.rows(CompletionBatch.query(kind, group), logger: logger).first?.decode(Int.self) ?? 0
        }
        return applied
    }

    /// Writes the batch inside the caller's transaction, with its flow-control counts.
    private func complete(_ batch: CompletionBatch, _ outcomes: [JobOutcome], in db: PostgresConnection) async throws -> Int {
        guard outcomes.contains(where: \.countsTowardFlowControl) else { return try await Self.write(batch, on: db, logger: logger) }
        var applied: Set<String> = []
        for (kind, group) in batch.groups {
            for row in try await db.rows(CompletionBatch.query(kind, group, returningIDs: true), logger: logger) {
                applied.insert(try row.decode(String.self))
            }
        }
        try await applyFlowControl(outcomes, applied: applied, on: db)
        return applied.count
    }
}
