import Foundation

/// What one workflow transaction writes, decided in Core from a ``WorkflowSnapshot`` and
/// applied by the store. Empty means nothing changes.
public struct WorkflowChange: Sendable {
    /// When the decision was made: the time cancelled jobs record as `finished_at`.
    public var now: Date
    /// Step jobs to insert (each with `workflowID` and `step` set); their steps then point at them.
    public var createJobs: [NewJob] = []
    /// New states of steps that have no job. `pending` also detaches a step from its old
    /// job (a retry), so a new one is created.
    public var stepStates: [String: PendingStepState] = [:]
    /// Waiting step jobs (`scheduled`, `queued`, `retrying`) to cancel at once.
    public var cancelJobs: [String] = []
    /// Running step jobs whose workers are asked to stop (`cancel_requested`).
    public var requestCancel: [String] = []
    /// Steps whose job's end is now accounted for (see ``WorkflowStepRecord/settled``).
    public var settle: [String] = []
    /// The workflow's new state; `finishedAt` is written with it.
    public var state: WorkflowState?
    public var finishedAt: Date?
    /// Events to append after the writes, each carrying the workflow as the writes left it.
    public var events: [WorkflowEvent] = []

    public init(now: Date) {
        self.now = now
    }

    public var isEmpty: Bool {
        createJobs.isEmpty && stepStates.isEmpty && cancelJobs.isEmpty && requestCancel.isEmpty && settle.isEmpty
            && state == nil && events.isEmpty
    }
}

/// A `workflow.*` event to append.
public struct WorkflowEvent: Sendable, Hashable {
    public var type: String
    /// For `workflow.step_completed`: the step that finished.
    public var step: String?

    public init(_ type: String, step: String? = nil) {
        self.type = type
        self.step = step
    }

    public static let submitted = WorkflowEvent("workflow.submitted")
    public static let completed = WorkflowEvent("workflow.completed")
    public static let failed = WorkflowEvent("workflow.failed")
    public static let cancelled = WorkflowEvent("workflow.cancelled")
    public static func stepCompleted(_ key: String) -> WorkflowEvent { WorkflowEvent("workflow.step_completed", step: key) }

    /// The event's `data`: the workflow as `GET /v1/workflows/{id}` returns it, plus, for a
    /// step event, `step` naming the step. Stores append exactly these bytes.
    public func data(_ snapshot: WorkflowSnapshot) throws -> String {
        let status = WorkflowStatus(snapshot)
        guard let step else { return String(decoding: try ConveyorJSON.encode(status), as: UTF8.self) }
        return String(decoding: try ConveyorJSON.encode(StepEventData(status: status, step: step)), as: UTF8.self)
    }

    /// The workflow's fields with `step` beside them, sorted like every Conveyor document.
    private struct StepEventData: Encodable {
        var status: WorkflowStatus
        var step: String

        enum Key: String, CodingKey { case step }

        func encode(to encoder: Encoder) throws {
            try status.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(step, forKey: .step)
        }
    }
}

/// A decision made inside a workflow transaction, on the workflow as locked.
public typealias WorkflowDecision = @Sendable (WorkflowSnapshot) throws -> WorkflowChange

/// What a workflow transaction did.
public struct WorkflowUpdateResult: Sendable {
    /// The workflow after the transaction.
    public var snapshot: WorkflowSnapshot
    public var change: WorkflowChange

    public init(snapshot: WorkflowSnapshot, change: WorkflowChange) {
        self.snapshot = snapshot
        self.change = change
    }
}
