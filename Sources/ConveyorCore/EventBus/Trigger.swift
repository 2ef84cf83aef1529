import Foundation

/// A routing rule: every event on ``topic`` (of ``tenant``) enqueues a job, with the
/// event as its payload. Each trigger runs as the consumer group `trigger:<id>`.
public struct Trigger: Codable, Sendable, Hashable {
    public var id: String
    public var tenant: String
    /// An exact topic or a prefix wildcard (`entry.*`).
    public var topic: String
    public var job: TriggerJob
    /// `api` (`POST /v1/triggers`) or `config` (`conveyor serve --trigger`; such triggers
    /// follow the configuration: they disappear when it no longer lists them).
    public var source: String
    public var createdAt: Date
    public var createdBy: String?

    enum CodingKeys: String, CodingKey {
        case id, tenant, topic, job, source
        case createdAt = "created_at"
        case createdBy = "created_by"
    }

    public init(
        id: String, tenant: String, topic: String, job: TriggerJob, source: String = "api", createdAt: Date,
        createdBy: String? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.topic = topic
        self.job = job
        self.source = source
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    /// The consumer group that delivers the trigger's events.
    public var group: String { Self.group(id: id) }

    public static func group(id: String) -> String { "trigger:\(id)" }

    /// The idempotency key of the job made for `event`: a second delivery of the same
    /// event finds the first job instead of creating another.
    public func idempotencyKey(for event: LogEvent) -> String { "trigger:\(id):\(event.id)" }
}

/// The job a trigger enqueues. Fields left out take the job type's defaults.
public struct TriggerJob: Codable, Sendable, Hashable {
    public var type: String
    public var queue: String?
    public var priority: Int?
    public var maxAttempts: Int?
    public var backoff: BackoffPolicy?
    public var timeoutSeconds: Double?
    public var tags: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, queue, priority, backoff, tags
        case maxAttempts = "max_attempts"
        case timeoutSeconds = "timeout_seconds"
    }

    public init(
        type: String, queue: String? = nil, priority: Int? = nil, maxAttempts: Int? = nil, backoff: BackoffPolicy? = nil,
        timeoutSeconds: Double? = nil, tags: [String]? = nil
    ) {
        self.type = type
        self.queue = queue
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.timeoutSeconds = timeoutSeconds
        self.tags = tags
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        queue = try c.decodeIfPresent(String.self, forKey: .queue)
        priority = try c.decodeIfPresent(Int.self, forKey: .priority)
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts)
        backoff = try c.decodeIfPresent(BackoffPolicy.self, forKey: .backoff)
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds)
        tags = try c.decodeIfPresent([String].self, forKey: .tags)
    }

    /// The enqueue request for one event: the event as the payload, the trigger's
    /// idempotency key, and the trigger's mark in the metadata (the loop guard reads it).
    func request(for event: LogEvent, trigger: Trigger, depth: Int) -> EnqueueRequest {
        let payload = (try? ConveyorJSON.decode(JSONValue.self, from: ConveyorJSON.encode(event))) ?? .null
        return EnqueueRequest(
            type: type, queue: queue, payload: payload, priority: priority, maxAttempts: maxAttempts, backoff: backoff,
            timeoutSeconds: timeoutSeconds, idempotencyKey: trigger.idempotencyKey(for: event), tags: tags,
            tenant: trigger.tenant,
            metadata: [
                TriggerLoopGuard.metadataKey: [
                    "id": .string(trigger.id), "event_id": .number(Double(event.id)), "depth": .number(Double(depth)),
                ]
            ])
    }
}

/// The body of `POST /v1/triggers`.
public struct TriggerRequest: Codable, Sendable, Hashable {
    public var topic: String
    public var job: TriggerJob
    /// Only an admin may name another tenant; left out, the caller's.
    public var tenant: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case topic, job, tenant }

    public init(topic: String, job: TriggerJob, tenant: String? = nil) {
        self.topic = topic
        self.job = job
        self.tenant = tenant
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        topic = try c.decode(String.self, forKey: .topic)
        job = try c.decode(TriggerJob.self, forKey: .job)
        tenant = try c.decodeIfPresent(String.self, forKey: .tenant)
    }
}

/// `GET /v1/triggers`.
public struct TriggerList: Codable, Sendable {
    public var triggers: [Trigger]
    /// The cursor of the next page; absent on the last.
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case triggers
        case nextCursor = "next_cursor"
    }

    public init(triggers: [Trigger], nextCursor: String? = nil) {
        self.triggers = triggers
        self.nextCursor = nextCursor
    }
}
