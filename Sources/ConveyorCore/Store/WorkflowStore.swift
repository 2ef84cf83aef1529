import Foundation

/// The store boundary of workflows. The store runs SQL; the rules (which steps are ready,
/// what a failure does, what `step_details` say) live in Core and reach the store as a
/// ``WorkflowDecision`` it runs inside its transaction.
///
/// Progress is derived from state, and costs the job hot path nothing: a step whose job
/// ended (whatever ended it: a worker, a cancel, the lease reaper) and that is not yet
/// ``WorkflowStepRecord/settled`` is found by ``workflowsToAdvance(limit:)``, and the
/// ``WorkflowAdvancer`` settles it with ``updateWorkflow(id:_:)``.
public protocol WorkflowStore: Sendable {
    /// Inserts the workflow and its steps, then decides and applies like
    /// ``updateWorkflow(id:_:)`` (creating the root steps' jobs and `workflow.submitted`),
    /// all in one transaction.
    func insertWorkflow(_ workflow: NewWorkflow, _ decide: WorkflowDecision) async throws -> WorkflowUpdateResult

    /// In one transaction: locks the workflow and reads it with its steps and their jobs;
    /// calls `decide`; applies the change (step jobs through the job insert, with their
    /// `job.submitted` events; step states; job cancellations; settled steps; the
    /// workflow's state); then appends the change's events, each with
    /// ``WorkflowEvent/data(_:)`` of the workflow as the writes left it. An error thrown by
    /// `decide` rolls everything back. Nil when there is no such workflow.
    func updateWorkflow(id: String, _ decide: WorkflowDecision) async throws -> WorkflowUpdateResult?

    /// The workflow with its steps and their current jobs, read in one transaction.
    func workflow(id: String) async throws -> WorkflowSnapshot?

    /// Workflows newest first, with `nextCursor` when more follow.
    func listWorkflows(_ query: WorkflowQuery) async throws -> (workflows: [WorkflowSnapshot], nextCursor: String?)

    /// Ids of workflows with a step whose job ended and is not settled. Reads only steps
    /// that have a job and are not settled (a partial index), so it costs nothing when no
    /// workflow is in flight.
    func workflowsToAdvance(limit: Int) async throws -> [String]
}
