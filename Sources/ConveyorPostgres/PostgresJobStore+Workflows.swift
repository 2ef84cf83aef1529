import ConveyorCore
import Foundation
import PostgresNIO

/// Workflows: each change is one transaction that first locks the workflow's row
/// (`FOR UPDATE`), so API calls and advancers on several nodes take turns per workflow
/// and each decides on the state the workflow really has. Decisions come from Core as
/// a ``WorkflowDecision``.
extension PostgresJobStore {
    public func insertWorkflow(_ workflow: NewWorkflow, _ decide: WorkflowDecision) async throws -> WorkflowUpdateResult {
        let w = workflow.record
        let specs = try workflow.steps.map { try JSONB(encoding: $0.spec) }
        return try await client.readCommittedTransaction(logger: logger) { db in
            try await db.rows(
                """
                INSERT INTO conveyor_workflows (id, tenant, name, state, on_failure, created_at, finished_at, created_by)
                VALUES (\(w.id), \(w.tenant), \(w.name), \(w.state.rawValue), \(w.onFailure.rawValue),
                    \(PostgresTimestamp(w.createdAt)), \(w.finishedAt.map(PostgresTimestamp.init)), \(w.createdBy))
                """, logger: logger)
            try await db.rows(
                """
                INSERT INTO conveyor_workflow_steps (workflow_id, key, position, spec, state)
                SELECT \(w.id), u.key, u.position - 1, u.spec, 'pending'
                FROM unnest(\(workflow.steps.map(\.key))::text[], \(specs)::jsonb[]) WITH ORDINALITY AS u(key, spec, position)
                """, logger: logger)
            guard let result = try await self.updateWorkflow(db, id: w.id, decide) else {
                throw PostgresStoreError("workflow \(w.id) vanished inside its own transaction")
            }
            return result
        }
    }

    public func updateWorkflow(id: String, _ decide: WorkflowDecision) async throws -> WorkflowUpdateResult? {
        try await client.readCommittedTransaction(logger: logger) { db in
            try await self.updateWorkflow(db, id: id, decide)
        }
    }

    public func workflow(id: String) async throws -> WorkflowSnapshot? {
        try await client.readCommittedTransaction(logger: logger) { db in
            // One snapshot for the workflow, its steps and their jobs.
            try await db.rows("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            return try await self.fetchWorkflow(id: id, on: db)
        }
    }

    public func listWorkflows(_ query: WorkflowQuery) async throws -> (workflows: [WorkflowSnapshot], nextCursor: String?) {
        var clauses: [String] = []
        var binds = PostgresBindings()
        func filter(_ clause: (String) -> String, _ value: String?) {
            guard let value else { return }
            binds.append(value)
            clauses.append(clause("$\(binds.count)"))
        }
        filter({ "state = \($0)" }, query.state?.rawValue)
        filter({ "name = \($0)" }, query.name)
        filter({ "tenant = \($0)" }, query.tenant)
        filter({ "id < \($0)" }, query.cursor)
        let limit = max(1, query.limit)
        binds.append(limit + 1)
        let sql = """
            SELECT id FROM conveyor_workflows \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "))
            ORDER BY id DESC LIMIT $\(binds.count)
            """
        return try await client.readCommittedTransaction(logger: logger) { db in
            try await db.rows("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            var ids = try await db.rows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).map {
                try $0.decode(String.self)
            }
            let more = ids.count > limit
            if more { ids.removeLast() }
            var workflows: [WorkflowSnapshot] = []
            for id in ids {
                if let snapshot = try await self.fetchWorkflow(id: id, on: db) { workflows.append(snapshot) }
            }
            return (workflows, more ? ids.last : nil)
        }
    }

    public func workflowsToAdvance(limit: Int) async throws -> [String] {
        // A step whose job is gone (pruned) counts as ended, so it cannot wedge the look.
        try await client.rows(
            """
            SELECT DISTINCT s.workflow_id FROM conveyor_workflow_steps s
            LEFT JOIN conveyor_jobs j ON j.id = s.job_id
            WHERE s.job_id IS NOT NULL AND NOT s.settled
                AND (j.id IS NULL OR j.state IN ('succeeded', 'failed', 'cancelled'))
            LIMIT \(max(1, limit))
            """,
            logger: logger
        ).map { try $0.decode(String.self) }
    }

    /// Locks, reads, decides, writes, and appends the events. The steps and jobs are read
    /// after the lock, so an advancer that waited for another sees what that one settled.
    private func updateWorkflow(
        _ db: PostgresConnection, id: String, _ decide: WorkflowDecision
    ) async throws -> WorkflowUpdateResult? {
        guard let before = try await fetchWorkflow(id: id, on: db, forUpdate: true) else { return nil }
        let change = try decide(before)
        try await apply(change, to: before, on: db)
        guard !change.isEmpty, let after = try await fetchWorkflow(id: id, on: db) else {
            return WorkflowUpdateResult(snapshot: before, change: change)
        }
        for event in change.events {
            // Through conveyor_append_event, which takes the log's ordering lock.
            let data = try event.data(after)
            try await db.rows(
                "SELECT conveyor_append_event(\(event.type), \(event.type), \(id), \(after.workflow.tenant), \(data)::json)",
                logger: logger)
        }
        return WorkflowUpdateResult(snapshot: after, change: change)
    }

    private func apply(_ change: WorkflowChange, to snapshot: WorkflowSnapshot, on db: PostgresConnection) async throws {
        let id = snapshot.workflow.id
        let now = PostgresTimestamp(change.now)
        if !change.settle.isEmpty {
            try await db.rows(
                """
                UPDATE conveyor_workflow_steps SET settled = true
                WHERE workflow_id = \(id) AND key = ANY(\(change.settle)::text[])
                """, logger: logger)
        }
        if !change.stepStates.isEmpty {
            let keys = Array(change.stepStates.keys)
            try await db.rows(
                """
                UPDATE conveyor_workflow_steps s SET state = u.state, job_id = NULL, settled = false
                FROM unnest(\(keys)::text[], \(keys.map { change.stepStates[$0]!.rawValue })::text[]) AS u(key, state)
                WHERE s.workflow_id = \(id) AND s.key = u.key
                """, logger: logger)
        }
        if !change.createJobs.isEmpty {
            // The job insert path of enqueues; step jobs carry no idempotency key, so every row goes in.
            let batch = try InsertBatch(change.createJobs)
            let inserted = try await db.rows(batch.insertQuery(), logger: logger).count
            guard inserted == change.createJobs.count else {
                throw ConveyorError.duplicateID(change.createJobs.map(\.id).joined(separator: ", "))
            }
            try await db.rows(
                """
                UPDATE conveyor_workflow_steps s SET job_id = u.job_id, state = NULL, settled = false
                FROM unnest(\(change.createJobs.map { $0.step ?? "" })::text[], \(change.createJobs.map(\.id))::text[])
                    AS u(key, job_id)
                WHERE s.workflow_id = \(id) AND s.key = u.key
                """, logger: logger)
        }
        if !change.cancelJobs.isEmpty {
            try await db.rows(
                """
                UPDATE conveyor_jobs SET state = 'cancelled', finished_at = \(now)
                WHERE id = ANY(\(change.cancelJobs)::text[]) AND state IN ('scheduled', 'queued', 'retrying')
                """, logger: logger)
        }
        if !change.requestCancel.isEmpty {
            try await db.rows(
                """
                UPDATE conveyor_jobs SET cancel_requested = true
                WHERE id = ANY(\(change.requestCancel)::text[]) AND state = 'running'
                """, logger: logger)
        }
        if let state = change.state {
            try await db.rows(
                """
                UPDATE conveyor_workflows SET state = \(state.rawValue), finished_at = \(change.finishedAt.map(PostgresTimestamp.init))
                WHERE id = \(id)
                """, logger: logger)
        }
    }

    private func fetchWorkflow(id: String, on db: PostgresConnection, forUpdate: Bool = false) async throws -> WorkflowSnapshot? {
        guard
            let row = try await db.rows(
                """
                SELECT id, tenant, name, state, on_failure, created_at, finished_at, created_by
                FROM conveyor_workflows WHERE id = \(id)\(unescaped: forUpdate ? " FOR UPDATE" : "")
                """, logger: logger
            ).first
        else { return nil }
        let (wid, tenant, name, stateText, policyText, createdAt, finishedAt, createdBy) = try row.decode(
            (String, String, String, String, String, PostgresTimestamp, PostgresTimestamp?, String?).self)
        guard let state = WorkflowState(rawValue: stateText), let onFailure = WorkflowFailurePolicy(rawValue: policyText) else {
            throw PostgresStoreError("workflow \(id) has an unknown state or failure policy")
        }
        let record = WorkflowRecord(
            id: wid, tenant: tenant, name: name, state: state, onFailure: onFailure, createdAt: createdAt.date,
            finishedAt: finishedAt?.date, createdBy: createdBy)
        var steps:
            [(key: String, position: Int, spec: WorkflowStepSpec, pending: PendingStepState?, jobID: String?, settled: Bool)] = []
        for row in try await db.rows(
            "SELECT key, position, spec, state, job_id, settled FROM conveyor_workflow_steps WHERE workflow_id = \(id) ORDER BY position",
            logger: logger)
        {
            let (key, position, spec, pending, jobID, settled) = try row.decode((String, Int, JSONB, String?, String?, Bool).self)
            steps.append(
                (key, position, try spec.decode(WorkflowStepSpec.self), pending.flatMap(PendingStepState.init), jobID, settled))
        }
        let jobIDs = steps.compactMap(\.jobID)
        var jobs: [String: Job] = [:]
        if !jobIDs.isEmpty {
            for row in try await db.rows(
                "SELECT \(unescaped: PostgresJobRow.columns) FROM conveyor_jobs WHERE id = ANY(\(jobIDs)::text[])", logger: logger)
            {
                let job = try PostgresJobRow.job(row)
                jobs[job.id] = job
            }
        }
        return WorkflowSnapshot(
            workflow: record,
            steps: steps.map {
                WorkflowStepRecord(
                    key: $0.key, position: $0.position, spec: $0.spec, pendingState: $0.pending, jobID: $0.jobID,
                    job: $0.jobID.flatMap { jobs[$0] }, settled: $0.settled)
            })
    }
}
