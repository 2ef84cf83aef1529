import ConveyorCore
import Foundation
import GRDB

/// Unique jobs (docs/unique-jobs.md). SQLite has one writer, so a look for the key's
/// holder inside the insert's write transaction cannot race another insert; earlier
/// jobs of the same batch are already rows by then, so they hold keys too.
extension SQLiteJobStore {
    /// What to answer instead of inserting `row`, or nil to insert it: an existing job with
    /// its idempotency key (which wins, as it does without `unique`), else the job holding
    /// its unique key, replaced when the options ask for it and the holder is still waiting.
    static func uniqueMatch(_ db: Database, for row: InsertRow) throws -> InsertResult? {
        guard let unique = row.unique else { return nil }
        let new = row.job
        if let key = new.idempotencyKey,
            let existing = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(SQLiteRow.jobColumns) FROM jobs WHERE tenant = ? AND idempotency_key = ?"),
                arguments: [new.tenant, key])
        {
            return InsertResult(job: try SQLiteRow.job(existing), created: false)
        }
        guard let holder = try holder(db, tenant: new.tenant, unique: unique, now: new.createdAt) else { return nil }
        if unique.replace, UniqueOptions.replaceableStates.contains(holder.state),
            let replaced = try Row.fetchOne(
                db.cachedStatement(sql: replaceSQL),
                arguments: [
                    try SQLiteRow.json(new.payload), SQLiteRow.millis(new.runAt), new.state.rawValue, holder.id,
                ])
        {
            return InsertResult(job: try SQLiteRow.job(replaced), disposition: .replaced)
        }
        return InsertResult(job: holder, disposition: .uniqueConflict)
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

    /// The job holding `unique.key` in `tenant`: in one of the states, or created within the
    /// period. A waiting one (scheduled or queued) is preferred, since only it can be
    /// replaced; then the newest.
    static func holder(_ db: Database, tenant: String, unique: UniqueOptions, now: Date) throws -> Job? {
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
        return found.min(by: UniqueHolder.precedes)
    }

    private static let holderOrder = "ORDER BY state IN ('scheduled', 'queued') DESC, id DESC LIMIT 1"

    /// The debounce: the holder takes the new payload and `run_at`, and the state that
    /// `run_at` implies. Only while it waits; a worker may have claimed it since the look.
    private static let replaceSQL = """
        UPDATE jobs SET payload = ?, run_at = ?, state = ?
        WHERE id = ? AND state IN ('scheduled', 'queued')
        RETURNING \(SQLiteRow.jobColumns)
        """
}

/// The order in which jobs holding a key are preferred, the same in both stores.
enum UniqueHolder {
    static func precedes(_ a: Job, _ b: Job) -> Bool {
        let (aWaits, bWaits) = (UniqueOptions.replaceableStates.contains(a.state), UniqueOptions.replaceableStates.contains(b.state))
        if aWaits != bWaits { return aWaits }
        return a.id > b.id
    }
}
