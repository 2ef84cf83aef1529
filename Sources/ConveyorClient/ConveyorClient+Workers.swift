import AsyncHTTPClient
import ConveyorCore

/// The pull protocol for remote workers (scope `worker`; see docs/workers.md), the worker
/// registry, and job types declared for remote workers.
extension ConveyorClient {
    /// Registers a worker; the answer carries its `id`, lease and heartbeat interval.
    public func registerWorker(_ request: RegisterWorkerRequest) async throws -> WorkerInfo {
        try await send(.POST, "/v1/workers", body: request).decode(WorkerInfo.self)
    }

    /// Claims up to `limit` jobs of `queue`, waiting up to `waitSeconds` for one to be due.
    /// Give the client a timeout longer than the wait.
    public func claim(worker id: String, queue: String, limit: Int = 1, waitSeconds: Double = 0) async throws -> [RemoteJob] {
        try await send(
            .POST, Self.workerPath(id, "claim"), body: WorkerClaimRequest(queue: queue, limit: limit, waitSeconds: waitSeconds)
        ).decode(WorkerClaimResponse.self).jobs
    }

    /// Extends the leases of the jobs held (their `lease.token`s).
    public func heartbeat(worker id: String, leases: [String]) async throws -> WorkerHeartbeatResponse {
        try await send(.POST, Self.workerPath(id, "heartbeat"), body: WorkerHeartbeatRequest(jobs: leases))
            .decode(WorkerHeartbeatResponse.self)
    }

    /// Reports many outcomes at once; each is answered on its own.
    public func reportOutcomes(worker id: String, _ outcomes: [WorkerOutcomeRequest]) async throws -> [WorkerOutcomeResult] {
        try await send(.POST, Self.workerPath(id, "outcomes"), body: WorkerOutcomeBatchRequest(outcomes: outcomes))
            .decode(WorkerOutcomeBatchResponse.self).results
    }

    /// Completes a job. A lease that is no longer held throws a 409 ``ConveyorClientError``.
    @discardableResult
    public func complete(job id: String, lease: String, result: JSONValue? = nil) async throws -> WorkerOutcomeResult {
        try await report(.complete, job: id, WorkerOutcomeRequest(lease: lease, result: result))
    }

    /// Fails an attempt: retried after the job's backoff (or `retryAfterSeconds`) unless
    /// `retryable` is false or the attempts are spent.
    @discardableResult
    public func fail(
        job id: String, lease: String, message: String, type: String? = nil, retryable: Bool = true,
        retryAfterSeconds: Double? = nil
    ) async throws -> WorkerOutcomeResult {
        try await report(
            .fail, job: id,
            WorkerOutcomeRequest(
                lease: lease, error: .init(message: message, type: type, retryable: retryable), retryAfterSeconds: retryAfterSeconds))
    }

    /// Puts the job back for `seconds` without spending an attempt.
    @discardableResult
    public func snooze(job id: String, lease: String, seconds: Double) async throws -> WorkerOutcomeResult {
        try await report(.snooze, job: id, WorkerOutcomeRequest(lease: lease, seconds: seconds))
    }

    /// Deregisters the worker once it has drained.
    @discardableResult
    public func stopWorker(_ id: String) async throws -> WorkerInfo {
        try await send(.DELETE, "/v1/workers/\(PercentEncoding.encode(id))").decode(WorkerInfo.self)
    }

    /// Tells a worker to stop claiming (an operator's action, scope `queues:manage`).
    @discardableResult
    public func quietWorker(_ id: String) async throws -> WorkerInfo {
        try await send(.POST, Self.workerPath(id, "quiet")).decode(WorkerInfo.self)
    }

    /// The worker registry.
    public func workers() async throws -> [WorkerInfo] {
        try await send(.GET, "/v1/workers").decode(WorkerList.self).workers
    }

    public func worker(_ id: String) async throws -> WorkerInfo {
        try await send(.GET, "/v1/workers/\(PercentEncoding.encode(id))").decode(WorkerInfo.self)
    }

    /// Declares a job type run outside Swift, so it can be enqueued (scope `queues:manage`).
    @discardableResult
    public func putJobType(_ type: String, _ request: JobTypeRequest) async throws -> JobTypeInfo {
        try await send(.PUT, Self.jobTypePath(type), body: request).decode(JobTypeInfo.self)
    }

    public func jobTypes() async throws -> [JobTypeInfo] {
        try await send(.GET, "/v1/job-types").decode(JobTypeList.self).jobTypes
    }

    public func deleteJobType(_ type: String) async throws {
        _ = try await send(.DELETE, Self.jobTypePath(type))
    }

    private func report(_ kind: WorkerOutcomeRequest.Kind, job id: String, _ body: WorkerOutcomeRequest) async throws -> WorkerOutcomeResult {
        try await send(.POST, "/v1/jobs/\(PercentEncoding.encode(id))/\(kind.rawValue)", body: body).decode(WorkerOutcomeResult.self)
    }

    private static func workerPath(_ id: String, _ action: String) -> String {
        "/v1/workers/\(PercentEncoding.encode(id))/\(action)"
    }

    private static func jobTypePath(_ type: String) -> String {
        "/v1/job-types/\(PercentEncoding.encode(type))"
    }
}
