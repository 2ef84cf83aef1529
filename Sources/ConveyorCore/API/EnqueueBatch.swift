/// `POST /v1/jobs` with `{"jobs":[...]}`: many jobs in one transaction.
public struct EnqueueBatchRequest: Codable, Sendable, Hashable {
    public var jobs: [EnqueueRequest]

    public init(jobs: [EnqueueRequest]) {
        self.jobs = jobs
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case jobs }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        jobs = try c.decode([EnqueueRequest].self, forKey: .jobs)
    }
}

/// The answer to a batch: the jobs in request order, and for each whether it was
/// created (false: an idempotency or unique key matched an existing job, which is
/// returned), whether a unique key matched (`unique_conflict`), and whether that match
/// took the new payload and `run_at` (`replaced`, see ``UniqueOptions/replace``).
public struct EnqueueBatchResponse: Codable, Sendable {
    public var jobs: [Job]
    public var created: [Bool]
    public var uniqueConflict: [Bool]
    public var replaced: [Bool]

    enum CodingKeys: String, CodingKey {
        case jobs, created, replaced
        case uniqueConflict = "unique_conflict"
    }

    public init(jobs: [Job], created: [Bool], uniqueConflict: [Bool]? = nil, replaced: [Bool]? = nil) {
        self.jobs = jobs
        self.created = created
        self.uniqueConflict = uniqueConflict ?? created.map { _ in false }
        self.replaced = replaced ?? created.map { _ in false }
    }

    public init(results: [InsertResult]) {
        self.init(
            jobs: results.map(\.job), created: results.map(\.created), uniqueConflict: results.map(\.uniqueConflict),
            replaced: results.map { $0.disposition == .replaced })
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        jobs = try c.decode([Job].self, forKey: .jobs)
        created = try c.decode([Bool].self, forKey: .created)
        // Absent from servers that predate unique jobs.
        uniqueConflict = try c.decodeIfPresent([Bool].self, forKey: .uniqueConflict) ?? created.map { _ in false }
        replaced = try c.decodeIfPresent([Bool].self, forKey: .replaced) ?? created.map { _ in false }
    }

    /// Each job with what the insert did with it.
    public var results: [InsertResult] {
        jobs.indices.map { i in
            let disposition: InsertDisposition =
                created[i] ? .created
                : (replaced.indices.contains(i) && replaced[i]) ? .replaced
                : (uniqueConflict.indices.contains(i) && uniqueConflict[i]) ? .uniqueConflict : .idempotent
            return InsertResult(job: jobs[i], disposition: disposition)
        }
    }
}

/// The answer to a one-job `POST /v1/jobs`: the job as `GET /v1/jobs/{id}` shows it. When
/// a unique key matched, the job is the one holding the key, with `"unique_conflict": true`
/// and `"replaced"` (true when it took the new payload and `run_at`) added beside its fields.
public struct EnqueueResponse: Codable, Sendable {
    public var job: Job
    public var uniqueConflict: Bool
    public var replaced: Bool

    enum CodingKeys: String, CodingKey {
        case replaced
        case uniqueConflict = "unique_conflict"
    }

    public init(_ result: InsertResult) {
        job = result.job
        uniqueConflict = result.uniqueConflict
        replaced = result.disposition == .replaced
    }

    public init(from decoder: Decoder) throws {
        job = try Job(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uniqueConflict = try c.decodeIfPresent(Bool.self, forKey: .uniqueConflict) ?? false
        replaced = try c.decodeIfPresent(Bool.self, forKey: .replaced) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        try job.encode(to: encoder)
        guard uniqueConflict else { return }
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(true, forKey: .uniqueConflict)
        try c.encode(replaced, forKey: .replaced)
    }
}

/// `GET /v1/queues`.
public struct QueueList: Codable, Sendable {
    public var queues: [QueueStats]

    public init(queues: [QueueStats]) {
        self.queues = queues
    }
}
