import Foundation

/// A step's job options, fixed at submit: the store keeps it as JSON and the engine
/// builds the step's job from it once the dependencies have succeeded.
public struct WorkflowStepSpec: Codable, Sendable, Hashable {
    public var type: String
    public var queue: String
    public var priority: Int
    public var payload: JSONValue
    public var dependsOn: [String]
    public var maxAttempts: Int
    public var backoff: BackoffPolicy
    public var timeoutSeconds: Double?
    public var tags: [String]
    public var metadata: JSONValue

    enum CodingKeys: String, CodingKey {
        case type, queue, priority, payload, backoff, tags, metadata
        case dependsOn = "depends_on"
        case maxAttempts = "max_attempts"
        case timeoutSeconds = "timeout_seconds"
    }

    public init(
        type: String, queue: String, priority: Int, payload: JSONValue, dependsOn: [String], maxAttempts: Int,
        backoff: BackoffPolicy, timeoutSeconds: Double?, tags: [String], metadata: JSONValue
    ) {
        self.type = type
        self.queue = queue
        self.priority = priority
        self.payload = payload
        self.dependsOn = dependsOn
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.timeoutSeconds = timeoutSeconds
        self.tags = tags
        self.metadata = metadata
    }
}

/// The `workflows` row.
public struct WorkflowRecord: Sendable, Hashable {
    public var id: String
    public var tenant: String
    public var name: String
    public var state: WorkflowState
    public var onFailure: WorkflowFailurePolicy
    public var createdAt: Date
    public var finishedAt: Date?
    public var createdBy: String?

    public init(
        id: String, tenant: String, name: String, state: WorkflowState, onFailure: WorkflowFailurePolicy,
        createdAt: Date, finishedAt: Date?, createdBy: String?
    ) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.state = state
        self.onFailure = onFailure
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.createdBy = createdBy
    }
}

/// What a step without a job is doing. Once its job exists, the job's state is the step's.
public enum PendingStepState: String, Sendable, Hashable {
    /// Waiting for its dependencies.
    case pending
    /// Will not run: the workflow was cancelled, or a dependency failed.
    case cancelled
}

/// A `workflow_steps` row with its current job, if it has one.
public struct WorkflowStepRecord: Sendable, Hashable {
    public var key: String
    /// The step's index in the submitted list; `step_details` keep that order.
    public var position: Int
    public var spec: WorkflowStepSpec
    /// Set while the step has no job; nil once it has one.
    public var pendingState: PendingStepState?
    public var jobID: String?
    /// The current job. Nil when none was created yet, or (after its retention) pruned.
    public var job: Job?
    /// True once the workflow advancer has accounted for the end of the current job.
    /// A step whose job ended and is not settled is what the advancer looks for.
    public var settled: Bool

    public init(
        key: String, position: Int, spec: WorkflowStepSpec, pendingState: PendingStepState?, jobID: String?, job: Job?,
        settled: Bool = false
    ) {
        self.key = key
        self.position = position
        self.spec = spec
        self.pendingState = pendingState
        self.jobID = jobID
        self.job = job
        self.settled = settled
    }

    /// The step's job ended (or is gone) and the advancer has not accounted for it yet.
    public var endedUnsettled: Bool {
        guard jobID != nil, !settled else { return false }
        return job?.state.isFinal ?? true
    }

    /// The step's state as `step_details` show it.
    public var state: String {
        if jobID == nil { return (pendingState ?? .pending).rawValue }
        return job?.state.rawValue ?? "pruned"
    }
}

/// A workflow and all its steps, read in one transaction: the one source every view of a
/// workflow is built from.
public struct WorkflowSnapshot: Sendable, Hashable {
    public var workflow: WorkflowRecord
    /// In submitted order.
    public var steps: [WorkflowStepRecord]

    public init(workflow: WorkflowRecord, steps: [WorkflowStepRecord]) {
        self.workflow = workflow
        self.steps = steps.sorted { $0.position < $1.position }
    }
}

/// A validated workflow, ready to insert with its steps.
public struct NewWorkflow: Sendable, Hashable {
    public var record: WorkflowRecord
    /// Keys and specs, in submitted order.
    public var steps: [(key: String, spec: WorkflowStepSpec)]

    public init(record: WorkflowRecord, steps: [(key: String, spec: WorkflowStepSpec)]) {
        self.record = record
        self.steps = steps
    }

    public static func == (a: NewWorkflow, b: NewWorkflow) -> Bool {
        a.record == b.record && a.steps.map(\.key) == b.steps.map(\.key) && a.steps.map(\.spec) == b.steps.map(\.spec)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(record)
        for step in steps {
            hasher.combine(step.key)
            hasher.combine(step.spec)
        }
    }
}
