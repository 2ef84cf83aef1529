import Foundation

/// What a workflow does when one of its steps fails (or is cancelled).
public enum WorkflowFailurePolicy: String, Codable, Sendable, CaseIterable {
    /// Cancel every step that is not running yet; the workflow ends `failed` once the
    /// steps already running have stopped.
    case failFast = "fail_fast"
    /// Keep running every branch that does not depend on the failed step; the steps that
    /// do are cancelled. The workflow ends `failed`.
    case `continue`
}

/// The body of `POST /v1/workflows`: a named DAG of steps, each a job. The Swift builder
/// (``Workflow``) produces the same value, so both go through one validation.
public struct WorkflowRequest: Codable, Sendable, Hashable {
    public var name: String
    public var tenant: String?
    public var steps: [WorkflowStepRequest]
    public var onFailure: WorkflowFailurePolicy?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, tenant, steps
        case onFailure = "on_failure"
    }

    public init(name: String, tenant: String? = nil, steps: [WorkflowStepRequest], onFailure: WorkflowFailurePolicy? = nil) {
        self.name = name
        self.tenant = tenant
        self.steps = steps
        self.onFailure = onFailure
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        tenant = try c.decodeIfPresent(String.self, forKey: .tenant)
        steps = try c.decode([WorkflowStepRequest].self, forKey: .steps)
        onFailure = try c.decodeIfPresent(WorkflowFailurePolicy.self, forKey: .onFailure)
    }
}

/// One step of a ``WorkflowRequest``: a job, with the keys of the steps it waits for.
/// The job options are those of `POST /v1/jobs` (the type's defaults fill the gaps);
/// a step has no `run_at`, `delay_seconds`, `idempotency_key` or `tenant` of its own.
public struct WorkflowStepRequest: Codable, Sendable, Hashable {
    public var key: String
    public var type: String
    /// A JSON object. The step's job gets it with `inputs` set to its dependencies'
    /// results, by key.
    public var payload: JSONValue?
    public var dependsOn: [String]?
    public var queue: String?
    public var priority: Int?
    public var maxAttempts: Int?
    public var backoff: BackoffPolicy?
    public var timeoutSeconds: Double?
    public var tags: [String]?
    public var metadata: JSONValue?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case key, type, payload, queue, priority, backoff, tags, metadata
        case dependsOn = "depends_on"
        case maxAttempts = "max_attempts"
        case timeoutSeconds = "timeout_seconds"
    }

    public init(
        key: String, type: String, payload: JSONValue? = nil, dependsOn: [String]? = nil, queue: String? = nil,
        priority: Int? = nil, maxAttempts: Int? = nil, backoff: BackoffPolicy? = nil, timeoutSeconds: Double? = nil,
        tags: [String]? = nil, metadata: JSONValue? = nil
    ) {
        self.key = key
        self.type = type
        self.payload = payload
        self.dependsOn = dependsOn
        self.queue = queue
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.timeoutSeconds = timeoutSeconds
        self.tags = tags
        self.metadata = metadata
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        type = try c.decode(String.self, forKey: .type)
        payload = try c.decodeIfPresent(JSONValue.self, forKey: .payload)
        dependsOn = try c.decodeIfPresent([String].self, forKey: .dependsOn)
        queue = try c.decodeIfPresent(String.self, forKey: .queue)
        priority = try c.decodeIfPresent(Int.self, forKey: .priority)
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts)
        backoff = try c.decodeIfPresent(BackoffPolicy.self, forKey: .backoff)
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds)
        tags = try c.decodeIfPresent([String].self, forKey: .tags)
        metadata = try c.decodeIfPresent(JSONValue.self, forKey: .metadata)
    }

    /// The job options as `POST /v1/jobs` takes them, so steps are checked by the same rules.
    var enqueueRequest: EnqueueRequest {
        EnqueueRequest(
            type: type, queue: queue, payload: payload, priority: priority, maxAttempts: maxAttempts, backoff: backoff,
            timeoutSeconds: timeoutSeconds, tags: tags, metadata: metadata)
    }
}
