import ConveyorCore
import Foundation
import GRDB

/// Unique jobs (docs/unique-jobs.md). SQLite has one writer, so a look for the key's
/// holder inside the insert's write transaction cannot race another insert; earlier
/// jobs of the same batch are already rows by then, so they hold keys too.
extension SQLiteJobStore {
    /// What to answer instead of inserting `row`, or nil to insert it, as
    /// ``UniqueResolution`` decides from the rows read here.
    static func uniqueMatch(_ db: Database, for row: InsertRow) throws -> InsertResult? {
        guard let unique = row.unique else { return nil }
        let new = row.job
        let idempotent = try new.idempotencyKey.flatMap { key in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(SQLiteRow.jobColumns) FROM jobs WHERE tenant = ? AND idempotency_key = ?"),
                arguments: [new.tenant, key]
            ).map(SQLiteRow.job)
        }
        // Earlier jobs of this batch are rows already, so the look finds them too.
        let holders = idempotent == nil ? try holders(db, tenant: new.tenant, unique: unique, now: new.createdAt) : []
        let decision = UniqueResolution.resolve(unique, now: new.createdAt, idempotent: idempotent, stored: holders.map(UniqueHolder.init))
        switch decision {
        case .idempotent(let job):
            return InsertResult(job: job, created: false)
        case .insert:
            return nil
        case .replace(let holder), .conflict(let holder):
            if case .replace = decision,
                let replaced = try Row.fetchOne(
                    db.cachedStatement(sql: replaceSQL),
                    arguments: [try SQLiteRow.json(new.payload), SQLiteRow.millis(new.runAt), new.state.rawValue, holder.id])
            {
                return InsertResult(job: try SQLiteRow.job(replaced), disposition: .replaced)
            }
            guard let job = holders.first(where: { $0.id == holder.id }) else {
                throw DatabaseError(message: "unique holder \(holder.id) is not among the jobs read")
            }
            return InsertResult(job: job, disposition: .uniqueConflict)
        }
    }

    /// Appends a match's answer. A replace of a job this batch created also changes what
    /// the batch answers for that job.
    static func record(_ match: InsertResult, in results: inout [InsertResult]) {
        if match.disposition == .replaced,
            let earlier = results.firstIndex(where: { $0.created && $0.job.id == match.job.id })
        {
            results[earlier].job = match.job
        }
        results.append(match)
    }

    /// The jobs that may hold `unique.key` in `tenant`: the preferred one in one of the
    /// states, and the preferred one created within the period (``UniqueHolder/precedes(_:_:)``
    /// picks between them).
    static func holders(_ db: Database, tenant: String, unique: UniqueOptions, now: Date) throws -> [Job] {
        var found: [Job] = []
        let states = unique.resolvedStates
        if !states.isEmpty {
            let sql = """
                SELECT \(SQLiteRow.jobColumns) FROM jobs
                WHERE tenant = ? AND unique_key = ? AND state IN (\(states.map { _ in "?" }.joined(separator: ", ")))
                \(holderOrder)
                """
            let arguments = StatementArguments([tenant, unique.key] + states.map(\.rawValue))
            if let row = try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments) {
                found.append(try SQLiteRow.job(row))
            }
        }
        if unique.periodSeconds != nil {
            let sql = """
                SELECT \(SQLiteRow.jobColumns) FROM jobs
                WHERE tenant = ? AND unique_key = ? AND created_at >= ?
                \(holderOrder)
                """
            let arguments: StatementArguments = [tenant, unique.key, SQLiteRow.millis(unique.periodStart(now: now))]
            if let row = try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments) {
                found.append(try SQLiteRow.job(row))
            }
        }
        return found
    }

    /// ``UniqueHolder/precedes(_:_:)`` in SQL, so each look keeps its best candidate.
    private static let holderOrder = "ORDER BY state IN ('scheduled', 'queued') DESC, id DESC LIMIT 1"

    /// The debounce: the holder takes the new payload and `run_at`, and the state that
    /// `run_at` implies. Only while it waits; a worker may have claimed it since the look.
    private static let replaceSQL = """
        UPDATE jobs SET payload = ?, run_at = ?, state = ?
        WHERE id = ? AND state IN ('scheduled', 'queued')
        RETURNING \(SQLiteRow.jobColumns)
        """
}
