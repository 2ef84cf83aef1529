import ConveyorCore
import Foundation

/// Route-building tests never call the store.
extension UnusedStore {
    func insertWorkflow(_ workflow: NewWorkflow, _ decide: WorkflowDecision) async throws -> WorkflowUpdateResult {
        throw ConveyorError.notFound(workflow: workflow.record.id)
    }
    func updateWorkflow(id: String, _ decide: WorkflowDecision) async throws -> WorkflowUpdateResult? { nil }
    func workflow(id: String) async throws -> WorkflowSnapshot? { nil }
    func listWorkflows(_ query: WorkflowQuery) async throws -> (workflows: [WorkflowSnapshot], nextCursor: String?) {
        ([], nil)
    }
    func workflowsToAdvance(limit: Int) async throws -> [String] { [] }
}
