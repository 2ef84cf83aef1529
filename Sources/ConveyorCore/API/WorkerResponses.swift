import Foundation

// The answers of the pull protocol for remote workers (docs/workers.md).

/// A worker as the registry shows it (`GET /v1/workers`, and the answer of registering).
public struct WorkerInfo: Codable, Sendable, Hashable {
    public var id: String
    public var tenant: String
    public var name: String
    public var host: String?
    public var sdk: String?
    public var queues: [String: Int]
    public var labels: [String: String]
    public var status: WorkerStatus
    /// Jobs it held at its last heartbeat.
    public var running: Int
    public var leaseSeconds: Double
    public var heartbeatIntervalSeconds: Double
    public var startedAt: Date
    public var lastHeartbeatAt: Date

    enum CodingKeys: String, CodingKey {
        case id, tenant, name, host, sdk, queues, labels, status, running
        case leaseSeconds = "lease_seconds"
        case heartbeatIntervalSeconds = "heartbeat_interval_seconds"
        case startedAt = "started_at"
        case lastHeartbeatAt = "last_heartbeat_at"
    }

    public init(_ worker: RemoteWorker, now: Date) {
        id = worker.id
        tenant = worker.tenant
        name = worker.name
        host = worker.host
        sdk = worker.sdk
        queues = worker.queues
        labels = worker.labels
        status = worker.status(at: now)
        running = worker.running
        leaseSeconds = worker.leaseSeconds
        heartbeatIntervalSeconds = worker.heartbeatIntervalSeconds
        startedAt = worker.startedAt
        lastHeartbeatAt = worker.lastHeartbeatAt
    }
}

/// The answer of `GET /v1/workers`.
public struct WorkerList: Codable, Sendable, Hashable {
    public var workers: [WorkerInfo]

    public init(workers: [WorkerInfo]) {
        self.workers = workers
    }
}

/// A job handed to a remote worker by a claim.
public struct RemoteJob: Codable, Sendable, Hashable {
    /// The fencing token of this attempt, and when it lapses without a heartbeat.
    public struct Lease: Codable, Sendable, Hashable {
        public var token: String
        public var expiresAt: Date

        enum CodingKeys: String, CodingKey {
            case token
            case expiresAt = "expires_at"
        }

        public init(token: String, expiresAt: Date) {
            self.token = token
            self.expiresAt = expiresAt
        }
    }

    /// The workflow step this job runs, when it is one.
    public struct WorkflowContext: Codable, Sendable, Hashable {
        public var id: String
        public var step: String?

        public init(id: String, step: String?) {
            self.id = id
            self.step = step
        }
    }

    public var id: String
    public var type: String
    public var queue: String
    public var tenant: String
    public var payload: JSONValue
    public var attempt: Int
    public var maxAttempts: Int
    public var timeoutSeconds: Double?
    public var metadata: JSONValue
    public var tags: [String]
    public var concurrencyKey: String?
    public var createdAt: Date
    public var runAt: Date
    public var lease: Lease
    public var workflow: WorkflowContext?

    enum CodingKeys: String, CodingKey {
        case id, type, queue, tenant, payload, attempt, metadata, tags, lease, workflow
        case maxAttempts = "max_attempts"
        case timeoutSeconds = "timeout_seconds"
        case concurrencyKey = "concurrency_key"
        case createdAt = "created_at"
        case runAt = "run_at"
    }

    public init(_ job: Job, lease: Lease) {
        id = job.id
        type = job.type
        queue = job.queue
        tenant = job.tenant
        payload = job.payload
        attempt = job.attempt
        maxAttempts = job.maxAttempts
        timeoutSeconds = job.timeoutSeconds
        metadata = job.metadata
        tags = job.tags
        concurrencyKey = ConcurrencyKey.shown(job.concurrencyKey)
        createdAt = job.createdAt
        runAt = job.runAt
        self.lease = lease
        workflow = job.workflowID.map { WorkflowContext(id: $0, step: job.step) }
    }
}

/// The answer of a claim: the jobs, or none when nothing was due within `wait_seconds`.
public struct WorkerClaimResponse: Codable, Sendable, Hashable {
    public var jobs: [RemoteJob]

    public init(jobs: [RemoteJob]) {
        self.jobs = jobs
    }
}

/// The answer of a heartbeat: what the worker must do about the jobs it holds.
public struct WorkerHeartbeatResponse: Codable, Sendable, Hashable {
    /// Jobs asked to cancel: stop them and report them failed (they end `cancelled`).
    public var cancel: [String]
    /// Jobs whose lease is gone (expired and rescued, or finished elsewhere): stop them;
    /// their outcome would be refused.
    public var lost: [String]
    /// Stop claiming; finish what you hold.
    public var quiet: Bool
    /// Stop claiming and shut down; the worker was stopped or is unknown.
    public var stop: Bool
    /// The extended leases now run until then.
    public var leaseExpiresAt: Date

    enum CodingKeys: String, CodingKey {
        case cancel, lost, quiet, stop
        case leaseExpiresAt = "lease_expires_at"
    }

    public init(cancel: [String], lost: [String], quiet: Bool, stop: Bool, leaseExpiresAt: Date) {
        self.cancel = cancel
        self.lost = lost
        self.quiet = quiet
        self.stop = stop
        self.leaseExpiresAt = leaseExpiresAt
    }
}

/// What became of one reported outcome.
public struct WorkerOutcomeResult: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable, Hashable {
        /// Written: the job moved to `state`.
        case applied
        /// Refused and nothing changed: the lease is not (or no longer) this attempt's.
        case conflict
        /// No such job, or not the worker's tenant's.
        case notFound = "not_found"
        /// The outcome itself is malformed (`detail` says how).
        case invalid
    }

    public var jobID: String
    public var status: Status
    public var state: JobState?
    public var detail: String?

    enum CodingKeys: String, CodingKey {
        case status, state, detail
        case jobID = "job_id"
    }

    public init(jobID: String, status: Status, state: JobState? = nil, detail: String? = nil) {
        self.jobID = jobID
        self.status = status
        self.state = state
        self.detail = detail
    }
}

/// The answer of `POST /v1/workers/{id}/outcomes`, in the order of the request.
public struct WorkerOutcomeBatchResponse: Codable, Sendable, Hashable {
    public var results: [WorkerOutcomeResult]

    public init(results: [WorkerOutcomeResult]) {
        self.results = results
    }
}
