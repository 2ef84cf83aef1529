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
/// created (false: an idempotency key matched an existing job, which is returned).
public struct EnqueueBatchResponse: Codable, Sendable {
    public var jobs: [Job]
    public var created: [Bool]

    public init(jobs: [Job], created: [Bool]) {
        self.jobs = jobs
        self.created = created
    }

    public init(results: [InsertResult]) {
        self.init(jobs: results.map(\.job), created: results.map(\.created))
    }
}

/// `GET /v1/queues`.
public struct QueueList: Codable, Sendable {
    public var queues: [QueueStats]

    public init(queues: [QueueStats]) {
        self.queues = queues
    }
}
