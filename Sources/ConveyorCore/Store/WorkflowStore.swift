import Foundation

/// The store boundary of workflows. The store runs SQL; the rules (which steps are ready,
/// what a failure does, what `step_details` say) live in Core and reach the store as a
/// ``WorkflowDecision`` it runs inside its transaction.
///
/// Progress is a log: a trigger on the job table writes an inbox row when a step's job
/// ends (succeeded, failed, cancelled), in the same transaction as that change, whatever
/// wrote it (a worker, a cancel, the lease reaper). The ``WorkflowAdvancer`` consumes the
/// inbox with ``updateWorkflow(id:_:)``.
public protocol WorkflowStore: Sendable {
    /// Inserts the workflow and its steps, then decides and applies like
    /// ``updateWorkflow(id:_:)`` (creating the root steps' jobs and `workflow.submitted`),
    /// all in one transaction.
    func insertWorkflow(_ workflow: NewWorkflow, _ decide: WorkflowDecision) async throws -> WorkflowUpdateResult

    /// In one transaction: locks the workflow, reads it with its steps, their jobs and its
    /// inbox entries; calls `decide`; applies the change (step jobs through the job insert,
    /// step states, job cancellations, the workflow's state); appends the change's events,
    /// each with ``WorkflowEvent/data(_:)`` of the workflow as the writes left it; deletes
    /// the inbox entries it read. An error thrown by `decide` rolls everything back. Nil
    /// when there is no such workflow.
    func updateWorkflow(id: String, _ decide: WorkflowDecision) async throws -> WorkflowUpdateResult?

    /// The workflow with its steps and their current jobs, read in one transaction.
    func workflow(id: String) async throws -> WorkflowSnapshot?

    /// Workflows newest first, with `nextCursor` when more follow.
    func listWorkflows(_ query: WorkflowQuery) async throws -> (workflows: [WorkflowSnapshot], nextCursor: String?)

    /// Ids of workflows with inbox entries waiting, oldest entry first.
    func workflowsWithInbox(limit: Int) async throws -> [String]
}
