import Foundation

/// What to do with a firing while the schedule's previous job is still active
/// (scheduled, queued, running or retrying).
public enum ScheduleOverlap: String, Codable, Sendable, Hashable, CaseIterable {
    /// Skip this firing; `last_outcome` says `skipped_overlap`.
    case skip
    /// Fire regardless.
    case allow
    /// Cancel the previous job (a waiting one at once, a running one is asked to stop), then fire.
    case cancelPrevious = "cancel_previous"
}

/// What to do with fire times that passed while no scheduler ran (more than
/// ``CronScheduler/misfireGrace`` ago).
public enum ScheduleMisfire: String, Codable, Sendable, Hashable, CaseIterable {
    /// Drop them; go on with the next fire time.
    case skip
    /// Fire one job, for the latest missed time.
    case runOnce = "run_once"
    /// Fire every missed time, oldest first (at most 1000 per scheduler round).
    case catchUp = "catch_up"
}

/// A cron schedule: a job template fired at the times `cron` names in `timezone`, with
/// its firing state. Tenant-scoped: its jobs go to its tenant. See docs/schedules.md.
public struct Schedule: Codable, Sendable, Hashable {
    public var id: String
    public var tenant: String
    public var cron: String
    /// An IANA zone (`Europe/Berlin`); `UTC` by default.
    public var timezone: String
    public var job: ScheduleJob
    public var overlap: ScheduleOverlap
    public var misfire: ScheduleMisfire
    public var paused: Bool
    /// `api` or `config` (the config file's schedules are kept in step with the file at start-up).
    public var source: String
    /// The next fire time; nil when the expression has none left.
    public var nextRunAt: Date?
    public var lastFiredAt: Date?
    public var lastJobID: String?
    /// `fired`, `duplicate` (the job existed: another scheduler fired it), `skipped_overlap`,
    /// `skipped_misfire`, or nil before the first firing.
    public var lastOutcome: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var createdBy: String?
    /// Shown by reads only: the next five fire times.
    public var nextRunTimes: [Date]?
    /// Shown by reads only: the last job's state, when it still exists.
    public var lastJobState: JobState?

    enum CodingKeys: String, CodingKey {
        case id, tenant, cron, timezone, job, overlap, misfire, paused, source
        case nextRunAt = "next_run_at"
        case lastFiredAt = "last_fired_at"
        case lastJobID = "last_job_id"
        case lastOutcome = "last_outcome"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case createdBy = "created_by"
        case nextRunTimes = "next_run_times"
        case lastJobState = "last_job_state"
    }

    public init(
        id: String, tenant: String, cron: String, timezone: String, job: ScheduleJob, overlap: ScheduleOverlap = .skip,
        misfire: ScheduleMisfire = .runOnce, paused: Bool = false, source: String = "api", nextRunAt: Date?,
        lastFiredAt: Date? = nil, lastJobID: String? = nil, lastOutcome: String? = nil, createdAt: Date, updatedAt: Date,
        createdBy: String? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.cron = cron
        self.timezone = timezone
        self.job = job
        self.overlap = overlap
        self.misfire = misfire
        self.paused = paused
        self.source = source
        self.nextRunAt = nextRunAt
        self.lastFiredAt = lastFiredAt
        self.lastJobID = lastJobID
        self.lastOutcome = lastOutcome
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.createdBy = createdBy
    }

    /// Every field, nulls included, so clients see the whole shape.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(cron, forKey: .cron)
        try c.encode(timezone, forKey: .timezone)
        try c.encode(job, forKey: .job)
        try c.encode(overlap, forKey: .overlap)
        try c.encode(misfire, forKey: .misfire)
        try c.encode(paused, forKey: .paused)
        try c.encode(source, forKey: .source)
        try c.encode(nextRunAt, forKey: .nextRunAt)
        try c.encode(nextRunTimes ?? [], forKey: .nextRunTimes)
        try c.encode(lastFiredAt, forKey: .lastFiredAt)
        try c.encode(lastJobID, forKey: .lastJobID)
        try c.encode(lastOutcome, forKey: .lastOutcome)
        try c.encode(lastJobState, forKey: .lastJobState)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(createdBy, forKey: .createdBy)
    }
}

/// The job a schedule fires: ``EnqueueRequest``'s fields but those the schedule decides
/// (`run_at`, `delay_seconds`, `idempotency_key`, `tenant`).
public struct ScheduleJob: Codable, Sendable, Hashable {
    public var type: String
    public var queue: String?
    public var payload: JSONValue?
    public var priority: Int?
    public var maxAttempts: Int?
    public var backoff: BackoffPolicy?
    public var timeoutSeconds: Double?
    public var tags: [String]?
    public var metadata: JSONValue?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, queue, payload, priority, backoff, tags, metadata
        case maxAttempts = "max_attempts"
        case timeoutSeconds = "timeout_seconds"
    }

    public init(
        type: String, queue: String? = nil, payload: JSONValue? = nil, priority: Int? = nil, maxAttempts: Int? = nil,
        backoff: BackoffPolicy? = nil, timeoutSeconds: Double? = nil, tags: [String]? = nil, metadata: JSONValue? = nil
    ) {
        self.type = type
        self.queue = queue
        self.payload = payload
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
        type = try c.decode(String.self, forKey: .type)
        queue = try c.decodeIfPresent(String.self, forKey: .queue)
        payload = try c.decodeIfPresent(JSONValue.self, forKey: .payload)
        priority = try c.decodeIfPresent(Int.self, forKey: .priority)
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts)
        backoff = try c.decodeIfPresent(BackoffPolicy.self, forKey: .backoff)
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds)
        tags = try c.decodeIfPresent([String].self, forKey: .tags)
        metadata = try c.decodeIfPresent(JSONValue.self, forKey: .metadata)
    }

    /// The enqueue request one firing makes, under the schedule's tenant.
    public func enqueueRequest(tenant: String) -> EnqueueRequest {
        EnqueueRequest(
            type: type, queue: queue, payload: payload, priority: priority, maxAttempts: maxAttempts, backoff: backoff,
            timeoutSeconds: timeoutSeconds, tags: tags, tenant: tenant, metadata: metadata)
    }
}

/// `GET /v1/schedules`.
public struct ScheduleList: Codable, Sendable {
    public var schedules: [Schedule]
    /// The cursor of the next page; absent on the last.
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case schedules
        case nextCursor = "next_cursor"
    }

    public init(schedules: [Schedule], nextCursor: String? = nil) {
        self.schedules = schedules
        self.nextCursor = nextCursor
    }
}
