import Foundation

/// `POST /v1/schedules`, and one entry of the config file's `schedules`. Unknown fields
/// are refused.
public struct ScheduleRequest: Codable, Sendable, Hashable {
    /// 1–100 letters, digits, `_-.:`; generated (`sch_…`) when absent. Required in the config file.
    public var id: String?
    public var cron: String
    /// An IANA zone; `UTC` when absent.
    public var timezone: String?
    public var job: ScheduleJob
    /// `skip` when absent.
    public var overlap: ScheduleOverlap?
    /// `run_once` when absent.
    public var misfire: ScheduleMisfire?
    public var paused: Bool?
    /// Admin only (and the config file): the tenant whose jobs it fires.
    public var tenant: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, cron, timezone, job, overlap, misfire, paused, tenant
    }

    public init(
        id: String? = nil, cron: String, timezone: String? = nil, job: ScheduleJob, overlap: ScheduleOverlap? = nil,
        misfire: ScheduleMisfire? = nil, paused: Bool? = nil, tenant: String? = nil
    ) {
        self.id = id
        self.cron = cron
        self.timezone = timezone
        self.job = job
        self.overlap = overlap
        self.misfire = misfire
        self.paused = paused
        self.tenant = tenant
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        cron = try c.decode(String.self, forKey: .cron)
        timezone = try c.decodeIfPresent(String.self, forKey: .timezone)
        job = try c.decode(ScheduleJob.self, forKey: .job)
        overlap = try c.decodeIfPresent(ScheduleOverlap.self, forKey: .overlap)
        misfire = try c.decodeIfPresent(ScheduleMisfire.self, forKey: .misfire)
        paused = try c.decodeIfPresent(Bool.self, forKey: .paused)
        tenant = try c.decodeIfPresent(String.self, forKey: .tenant)
    }
}

/// `PATCH /v1/schedules/{id}`: absent fields stay as they are. Changing `cron` or
/// `timezone`, or resuming (`paused: false`), sets the next run from now.
public struct SchedulePatch: Codable, Sendable, Hashable {
    public var cron: String?
    public var timezone: String?
    public var job: ScheduleJob?
    public var overlap: ScheduleOverlap?
    public var misfire: ScheduleMisfire?
    public var paused: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case cron, timezone, job, overlap, misfire, paused
    }

    public init(
        cron: String? = nil, timezone: String? = nil, job: ScheduleJob? = nil, overlap: ScheduleOverlap? = nil,
        misfire: ScheduleMisfire? = nil, paused: Bool? = nil
    ) {
        self.cron = cron
        self.timezone = timezone
        self.job = job
        self.overlap = overlap
        self.misfire = misfire
        self.paused = paused
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cron = try c.decodeIfPresent(String.self, forKey: .cron)
        timezone = try c.decodeIfPresent(String.self, forKey: .timezone)
        job = try c.decodeIfPresent(ScheduleJob.self, forKey: .job)
        overlap = try c.decodeIfPresent(ScheduleOverlap.self, forKey: .overlap)
        misfire = try c.decodeIfPresent(ScheduleMisfire.self, forKey: .misfire)
        paused = try c.decodeIfPresent(Bool.self, forKey: .paused)
    }
}

/// `POST /v1/schedules/{id}/trigger`: the job fired now.
public struct ScheduleTriggerResult: Codable, Sendable {
    public var job: Job
    /// False when a job for this schedule and instant existed already.
    public var created: Bool

    public init(job: Job, created: Bool) {
        self.job = job
        self.created = created
    }
}
