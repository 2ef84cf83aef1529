import ConveyorCore
import Foundation
import GRDB

/// Workflows: each call is one write transaction (SQLite's single writer is the lock).
/// The decisions come from Core as a ``WorkflowDecision``. Job events are appended here as
/// in every write path of the store (``SQLiteEventLog/appendJobEvents(_:ids:submitted:)``).
extension SQLiteJobStore {
    public func insertWorkflow(_ workflow: NewWorkflow, _ decide: WorkflowDecision) async throws -> WorkflowUpdateResult {
        let specs = try workflow.steps.map { try SQLiteRow.json($0.spec) }
        let w = workflow.record
        return try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO workflows (id, tenant, name, state, on_failure, created_at, finished_at, created_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    w.id, w.tenant, w.name, w.state.rawValue, w.onFailure.rawValue, SQLiteRow.millis(w.createdAt),
                    w.finishedAt.map(SQLiteRow.millis), w.createdBy,
                ])
            let insert = try db.cachedStatement(
                sql: "INSERT INTO workflow_steps (workflow_id, key, position, spec, state) VALUES (?, ?, ?, ?, 'pending')")
            for (position, step) in workflow.steps.enumerated() {
                try insert.execute(arguments: [w.id, step.key, position, specs[position]])
            }
            guard let result = try self.updateWorkflow(db, id: w.id, decide) else {
                throw DatabaseError(message: "workflow \(w.id) vanished inside its own transaction")
            }
            return result
        }
    }

    public func updateWorkflow(id: String, _ decide: WorkflowDecision) async throws -> WorkflowUpdateResult? {
        try await pool.write { db in try self.updateWorkflow(db, id: id, decide) }
    }

    public func workflow(id: String) async throws -> WorkflowSnapshot? {
        try await pool.read { db in try self.fetchWorkflow(db, id: id) }
    }

    public func listWorkflows(_ query: WorkflowQuery) async throws -> (workflows: [WorkflowSnapshot], nextCursor: String?) {
        var clauses: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        func filter(_ clause: String, _ value: String?) {
            guard let value else { return }
            clauses.append(clause)
            arguments.append(value)
        }
        filter("state = ?", query.state?.rawValue)
        filter("name = ?", query.name)
        filter("tenant = ?", query.tenant)
        filter("id < ?", query.cursor)
        let limit = max(1, query.limit)
        let sql = """
            SELECT id FROM workflows \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "))
            ORDER BY id DESC LIMIT \(limit + 1)
            """
        let args = StatementArguments(arguments)
        return try await pool.read { db in
            var ids = try String.fetchAll(db, sql: sql, arguments: args)
            let more = ids.count > limit
            if more { ids.removeLast() }
            let workflows = try ids.compactMap { try self.fetchWorkflow(db, id: $0) }
            return (workflows, more ? ids.last : nil)
        }
    }

    public func workflowsToAdvance(limit: Int) async throws -> [String] {
        try await pool.read { db in
            // A step whose job is gone (pruned) counts as ended, so it cannot wedge the look.
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT s.workflow_id FROM workflow_steps s INDEXED BY workflow_steps_in_flight
                    LEFT JOIN jobs j ON j.id = s.job_id
                    WHERE s.job_id IS NOT NULL AND s.settled = 0
                        AND (j.id IS NULL OR j.state IN ('succeeded', 'failed', 'cancelled'))
                    LIMIT ?
                    """,
                arguments: [max(1, limit)])
        }
    }

    /// Reads, decides, writes, and appends the events.
    private func updateWorkflow(_ db: Database, id: String, _ decide: WorkflowDecision) throws -> WorkflowUpdateResult? {
        guard let before = try fetchWorkflow(db, id: id) else { return nil }
        let change = try decide(before)
        try apply(change, to: before, db)
        guard !change.isEmpty, let after = try fetchWorkflow(db, id: id) else {
            return WorkflowUpdateResult(snapshot: before, change: change)
        }
        for event in change.events {
            try SQLiteEventLog.append(
                db, type: event.type, topic: event.type, key: id, tenant: after.workflow.tenant, data: event.data(after))
        }
        return WorkflowUpdateResult(snapshot: after, change: change)
    }

    private func apply(_ change: WorkflowChange, to snapshot: WorkflowSnapshot, _ db: Database) throws {
        let id = snapshot.workflow.id
        let now = SQLiteRow.millis(change.now)
        for key in change.settle {
            try db.execute(
                sql: "UPDATE workflow_steps SET settled = 1 WHERE workflow_id = ? AND key = ?", arguments: [id, key])
        }
        for (key, state) in change.stepStates {
            try db.execute(
                sql: "UPDATE workflow_steps SET state = ?, job_id = NULL, settled = 0 WHERE workflow_id = ? AND key = ?",
                arguments: [state.rawValue, id, key])
        }
        if !change.createJobs.isEmpty {
            // The enqueue path's statement and its events.
            let insert = try db.cachedStatement(sql: Self.insertSQL)
            for job in change.createJobs {
                let row = try InsertRow(job, backoffJSON: SQLiteRow.json(job.backoff))
                try insert.execute(arguments: row.arguments)
                guard db.changesCount == 1 else { throw ConveyorError.duplicateID(job.id) }
                try db.execute(
                    sql: "UPDATE workflow_steps SET job_id = ?, state = NULL, settled = 0 WHERE workflow_id = ? AND key = ?",
                    arguments: [job.id, id, job.step])
            }
            try SQLiteEventLog.appendJobEvents(db, ids: change.createJobs.map(\.id), submitted: true)
        }
        var cancelled: [String] = []
        for jobID in change.cancelJobs {
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'cancelled', finished_at = ?
                    WHERE id = ? AND state IN ('scheduled', 'queued', 'retrying')
                    """,
                arguments: [now, jobID])
            if db.changesCount == 1 { cancelled.append(jobID) }
        }
        try SQLiteEventLog.appendJobEvents(db, ids: cancelled)
        for jobID in change.requestCancel {
            try db.execute(sql: "UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state = 'running'", arguments: [jobID])
        }
        if let state = change.state {
            try db.execute(
                sql: "UPDATE workflows SET state = ?, finished_at = ? WHERE id = ?",
                arguments: [state.rawValue, change.finishedAt.map(SQLiteRow.millis), id])
        }
    }

    func fetchWorkflow(_ db: Database, id: String) throws -> WorkflowSnapshot? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT id, tenant, name, state, on_failure, created_at, finished_at, created_by FROM workflows WHERE id = ?"),
                arguments: [id])
        else { return nil }
        guard let state = WorkflowState(rawValue: row[3]), let onFailure = WorkflowFailurePolicy(rawValue: row[4]) else {
            throw DatabaseError(message: "workflow \(id) has an unknown state or failure policy")
        }
        let record = WorkflowRecord(
            id: row[0], tenant: row[1], name: row[2], state: state, onFailure: onFailure,
            createdAt: SQLiteRow.date(row[5] as Int64), finishedAt: SQLiteRow.date(row[6] as Int64?), createdBy: row[7])
        let steps = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT key, position, spec, state, job_id, settled FROM workflow_steps WHERE workflow_id = ? ORDER BY position"),
            arguments: [id]
        ).map { row in
            let jobID: String? = row[4]
            return WorkflowStepRecord(
                key: row[0], position: row[1], spec: try SQLiteRow.decode(WorkflowStepSpec.self, row[2]),
                pendingState: (row[3] as String?).flatMap(PendingStepState.init), jobID: jobID,
                job: try jobID.flatMap { try self.fetchJob(db, id: $0) }, settled: row[5])
        }
        return WorkflowSnapshot(workflow: record, steps: steps)
    }
}
