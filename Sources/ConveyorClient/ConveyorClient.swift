import AsyncHTTPClient
import ConveyorCore
import NIOCore
import NIOHTTP1

/// A typed client for a Conveyor server's REST API, speaking the same DTOs the server
/// uses, so client and server cannot drift apart.
///
/// ```swift
/// let client = ConveyorClient(baseURL: "http://127.0.0.1:8080")
/// let (job, created) = try await client.enqueue(EnqueueRequest(type: "send_email", payload: ["to": "a@b.c"]))
/// ```
///
/// A response other than 2xx throws ``ConveyorClientError`` carrying the server's
/// ``Problem``. Transport failures throw the underlying `HTTPClientError` or NIO error.
public struct ConveyorClient: Sendable {
    /// The server's root, without a trailing slash, e.g. `http://127.0.0.1:8080`.
    public let baseURL: String
    let httpClient: HTTPClient
    let timeout: TimeAmount
    /// Sent as `Authorization: Bearer <token>`: an API key (`cvk_…`) or a JWT.
    let token: String?

    /// - Parameters:
    ///   - baseURL: The server's root; a path prefix (behind a proxy) is kept.
    ///   - httpClient: Shared, not owned: the caller shuts it down (``HTTPClient/shared`` needs none).
    ///   - timeout: How long each call may take, response included.
    ///   - token: An API key (`cvk_…`) or JWT, sent as a bearer credential; nil for a server in dev mode.
    public init(baseURL: String, httpClient: HTTPClient = .shared, timeout: TimeAmount = .seconds(30), token: String? = nil) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.httpClient = httpClient
        self.timeout = timeout
        self.token = token
    }

    /// Enqueues one job. `created` is false when its idempotency key or unique key matched
    /// an existing job, which is returned instead (``enqueueResult(_:)`` tells which).
    public func enqueue(_ request: EnqueueRequest) async throws -> (job: Job, created: Bool) {
        let result = try await enqueueResult(request)
        return (result.job, result.created)
    }

    /// Enqueues one job and says what happened to it: created, an idempotent repeat, or a
    /// unique key's match (the job returned holds the key; ``InsertDisposition/replaced``
    /// when it took this request's payload and `run_at`).
    public func enqueueResult(_ request: EnqueueRequest) async throws -> InsertResult {
        let response = try await send(.POST, "/v1/jobs", body: request)
        let reply = try response.decode(EnqueueResponse.self)
        let disposition: InsertDisposition =
            response.status == 201 ? .created
            : reply.replaced ? .replaced
            : reply.uniqueConflict ? .uniqueConflict : .idempotent
        return InsertResult(job: reply.job, disposition: disposition)
    }

    /// Enqueues many jobs in one transaction: all are inserted, or none.
    public func enqueue(batch: [EnqueueRequest]) async throws -> EnqueueBatchResponse {
        try await send(.POST, "/v1/jobs", body: EnqueueBatchRequest(jobs: batch)).decode(EnqueueBatchResponse.self)
    }

    public func job(id: String) async throws -> Job {
        try await send(.GET, "/v1/jobs/\(PercentEncoding.encode(id))").decode(Job.self)
    }

    /// One page of jobs, newest first; pass the page's `nextCursor` back for the next one.
    public func listJobs(_ query: JobQuery) async throws -> JobPage {
        try await send(.GET, "/v1/jobs", query: query.queryItems).decode(JobPage.self)
    }

    /// Cancels a waiting job at once, or asks a running one to stop (its state changes
    /// when its worker has stopped it).
    public func cancel(id: String) async throws -> Job {
        try await send(.DELETE, "/v1/jobs/\(PercentEncoding.encode(id))").decode(Job.self)
    }

    /// Re-queues a `failed` or `cancelled` job with a fresh set of attempts.
    public func retry(id: String) async throws -> Job {
        try await send(.POST, "/v1/jobs/\(PercentEncoding.encode(id))/retry").decode(Job.self)
    }

    /// Runs an action on a job. For `rerun` the job returned is the new one.
    public func perform(_ action: JobActionRequest, on id: String) async throws -> Job {
        try await send(.POST, "/v1/jobs/\(PercentEncoding.encode(id))/actions", body: action).decode(Job.self)
    }

    public func queues() async throws -> QueueList {
        try await send(.GET, "/v1/queues").decode(QueueList.self)
    }

    /// The job types, queues, actions and states the server accepts.
    public func jobOptions() async throws -> JobOptions {
        try await send(.GET, "/v1/config/job-options").decode(JobOptions.self)
    }
}
