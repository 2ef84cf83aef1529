import Foundation

/// One entry of the event log: a state change, written in the same transaction as the
/// change itself (the transactional outbox), so the log never tells of a change that
/// was rolled back and never misses one that was committed.
///
/// Job events carry the job as `GET /v1/jobs/{id}` shows it right after the change.
/// See docs/events.md for every type and its payload.
public struct LogEvent: Codable, Sendable, Hashable {
    /// The log sequence: increasing in the order readers see events. Gaps are possible
    /// (a rolled-back PostgreSQL transaction burns ids); repeats are not.
    public var id: Int64
    public var type: String
    /// What subscribers filter on; for job events the same as `type`.
    public var topic: String
    /// The entity the event is about: the job id for job events.
    public var key: String
    public var tenant: String
    /// The database's clock when the change was written.
    public var occurredAt: Date
    public var data: JSONValue

    enum CodingKeys: String, CodingKey {
        case id, type, topic, key, tenant, data
        case occurredAt = "occurred_at"
    }

    public init(id: Int64, type: String, topic: String, key: String, tenant: String, occurredAt: Date, data: JSONValue) {
        self.id = id
        self.type = type
        self.topic = topic
        self.key = key
        self.tenant = tenant
        self.occurredAt = occurredAt
        self.data = data
    }

    /// The job in a job event's `data`; nil for other events.
    public func job() throws -> Job? {
        guard type.hasPrefix("job.") else { return nil }
        return try ConveyorJSON.decode(Job.self, from: ConveyorJSON.encode(data))
    }
}

extension LogEvent {
    /// A job was created (not for a repeated idempotency key).
    public static let jobSubmitted = "job.submitted"
    /// A worker claimed the job and an attempt began.
    public static let jobStarted = "job.started"
    /// An attempt failed and another is scheduled.
    public static let jobRetrying = "job.retrying"
    public static let jobSucceeded = "job.succeeded"
    /// The job failed for good (attempts spent, or failed at once): the dead-letter state.
    public static let jobFailed = "job.failed"
    public static let jobCancelled = "job.cancelled"

    /// Every job event type, in lifecycle order.
    public static let jobTypes = [jobSubmitted, jobStarted, jobRetrying, jobSucceeded, jobFailed, jobCancelled]
}
