import Foundation

/// The life of a workflow. Its steps have states of their own (``StepDetail/state``).
public enum WorkflowState: String, Codable, Sendable, CaseIterable {
    /// Steps are waiting or running.
    case running
    /// Every step succeeded.
    case completed
    /// A step failed or was cancelled, and nothing is left to run.
    case failed
    /// Cancelled through `DELETE /v1/workflows/{id}`.
    case cancelled

    public var isFinal: Bool { self != .running }
}

/// A workflow as `GET /v1/workflows/{id}` shows it, and as every `workflow.*` event
/// carries it in `data`. Built only by ``WorkflowStatus/init(_:)`` from a
/// ``WorkflowSnapshot``, so every surface shows the same bytes.
public struct WorkflowStatus: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var tenant: String
    public var state: WorkflowState
    public var onFailure: WorkflowFailurePolicy
    public var createdAt: Date
    public var finishedAt: Date?
    public var createdBy: String?
    public var stepDetails: [StepDetail]

    enum CodingKeys: String, CodingKey {
        case id, name, tenant, state
        case onFailure = "on_failure"
        case createdAt = "created_at"
        case finishedAt = "finished_at"
        case createdBy = "created_by"
        case stepDetails = "step_details"
    }

    public init(
        id: String, name: String, tenant: String, state: WorkflowState, onFailure: WorkflowFailurePolicy,
        createdAt: Date, finishedAt: Date?, createdBy: String?, stepDetails: [StepDetail]
    ) {
        self.id = id
        self.name = name
        self.tenant = tenant
        self.state = state
        self.onFailure = onFailure
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.createdBy = createdBy
        self.stepDetails = stepDetails
    }

    public func encode(to encoder: Encoder) throws {
        // Explicit so optional fields appear as null: clients can rely on every key.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(state, forKey: .state)
        try c.encode(onFailure, forKey: .onFailure)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(createdBy, forKey: .createdBy)
        try c.encode(stepDetails, forKey: .stepDetails)
    }

    /// The step with `key`.
    public func step(_ key: String) -> StepDetail? { stepDetails.first { $0.key == key } }
}

/// One step of a workflow, in `step_details`.
public struct StepDetail: Codable, Sendable, Hashable {
    public var key: String
    public var type: String
    /// Nil while the step waits for its dependencies: its job is created when they succeed.
    public var jobID: String?
    /// `pending` (no job yet), `cancelled` (will not run), or its job's state.
    public var state: String
    public var attempt: Int
    public var maxAttempts: Int
    public var dependsOn: [String]
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationMS: Int64?
    public var result: JSONValue?
    /// The last attempt's error, present whenever the step `failed` or is `retrying`.
    public var error: StepError?

    enum CodingKeys: String, CodingKey {
        case key, type, state, attempt, result, error
        case jobID = "job_id"
        case maxAttempts = "max_attempts"
        case dependsOn = "depends_on"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationMS = "duration_ms"
    }

    public init(
        key: String, type: String, jobID: String?, state: String, attempt: Int, maxAttempts: Int, dependsOn: [String],
        startedAt: Date?, finishedAt: Date?, durationMS: Int64?, result: JSONValue?, error: StepError?
    ) {
        self.key = key
        self.type = type
        self.jobID = jobID
        self.state = state
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.dependsOn = dependsOn
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMS = durationMS
        self.result = result
        self.error = error
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(type, forKey: .type)
        try c.encode(jobID, forKey: .jobID)
        try c.encode(state, forKey: .state)
        try c.encode(attempt, forKey: .attempt)
        try c.encode(maxAttempts, forKey: .maxAttempts)
        try c.encode(dependsOn, forKey: .dependsOn)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(durationMS, forKey: .durationMS)
        try c.encode(result, forKey: .result)
        try c.encode(error, forKey: .error)
    }
}

/// Why a step's last attempt failed.
public struct StepError: Codable, Sendable, Hashable {
    public var message: String
    /// The error's kind, as in the job's `errors` (`error`, `timeout`, `lease_expired`, …).
    public var type: String
    public var attempt: Int
    public var at: Date

    public init(message: String, type: String, attempt: Int, at: Date) {
        self.message = message
        self.type = type
        self.attempt = attempt
        self.at = at
    }
}

/// Filters and a cursor for `GET /v1/workflows`, newest first.
public struct WorkflowQuery: Sendable, Hashable {
    public var state: WorkflowState?
    public var name: String?
    public var tenant: String?
    public var limit: Int
    /// The last id of the previous page.
    public var cursor: String?

    public init(state: WorkflowState? = nil, name: String? = nil, tenant: String? = nil, limit: Int = 50, cursor: String? = nil) {
        self.state = state
        self.name = name
        self.tenant = tenant
        self.limit = limit
        self.cursor = cursor
    }
}

/// A page of `GET /v1/workflows`.
public struct WorkflowPage: Codable, Sendable {
    public var workflows: [WorkflowStatus]
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case workflows
        case nextCursor = "next_cursor"
    }

    public init(workflows: [WorkflowStatus], nextCursor: String?) {
        self.workflows = workflows
        self.nextCursor = nextCursor
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(workflows, forKey: .workflows)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}
