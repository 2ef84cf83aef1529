import ConveyorCore
import Foundation
import PostgresNIO

/// The hot path: claiming, heartbeats and batched completion.
extension PostgresJobStore {
    public func claimJobs(queue: String, limit: Int, owner: String, leaseUntil: Date, now: Date) async throws -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        let statement = ClaimStatement(
            queue: queue, limit: limit, owner: owner, leaseUntil: PostgresTimestamp(leaseUntil), now: PostgresTimestamp(now))
        var rows: [ClaimStatement.Row] = []
        do {
            for try await row in try await client.execute(statement, logger: logger) {
                rows.append(row)
            }
        } catch let error as PSQLError where error.code == .server {
            // postgres-nio remembers a failed preparation for the connection's lifetime
            // (say, a claim that ran before the schema existed), and would repeat that
            // error forever. The statement failed whole, so running it once more,
            // unprepared, is safe and heals the poll.
            logger.debug("prepared claim failed; claiming unprepared", metadata: ["error": "\(String(reflecting: error))"])
            let query = PostgresQuery(unsafeSQL: ClaimStatement.sql, binds: try statement.makeBindings())
            rows = try await client.rows(query, logger: logger).map(statement.decodeRow)
        }
        return try ClaimStatement.claimedJobs(rows)
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
        func apply(on db: some PostgresQueryRunner) async throws -> Int {
            var applied = 0
            for (kind, group) in batch.groups {
                let rows = try await db.rows(CompletionBatch.query(kind, group), logger: logger)
                applied += try rows.first?.decode(Int.self) ?? 0
            }
            return applied
        }
        if outcomes.contains(where: { $0.circuit != nil || $0.pauseKeyUntil != nil }) {
            // Breakers and key pauses count only outcomes that applied, in the same transaction.
            return try await client.readCommittedTransaction(logger: logger) { db in
                var applied: Set<String> = []
                for (kind, group) in batch.groups {
                    for row in try await db.rows(CompletionBatch.query(kind, group, returningIDs: true), logger: self.logger) {
                        applied.insert(try row.decode(String.self))
                    }
                }
                try await self.applyFlowControl(outcomes, applied: applied, on: db)
                return applied.count
            }
        }
        switch batch.groups.count {
        case 0: return 0
        // The usual batch holds one kind (all succeeded): one statement, no BEGIN/COMMIT.
        case 1: return try await apply(on: client)
        default: return try await client.readCommittedTransaction(logger: logger) { try await apply(on: $0) }
        }
    }
}
