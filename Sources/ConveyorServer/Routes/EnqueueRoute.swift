import ConveyorCore
import Hummingbird

/// `POST /v1/jobs`: one job (`EnqueueRequest`) or a batch (`{"jobs":[...]}`).
struct EnqueueRoute {
    /// Bounds one transaction, and the memory a single request can ask for.
    static let maxBatchSize = 10_000

    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.post, "/v1/jobs", use: enqueue)
    }

    @Sendable func enqueue(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let body = try await JSONRequestBody.read(request, context: context)
        // A top-level "jobs" key marks a batch: EnqueueRequest has no such field, so the
        // two shapes cannot be confused.
        let caller = try context.requireCaller()
        if body.value["jobs"] != nil {
            return try await enqueueBatch(body, as: caller)
        }
        let result = try await conveyor.enqueue([try body.decode(EnqueueRequest.self)], as: caller)[0]
        // 200 on an idempotent repeat or a unique key's match tells the client nothing new
        // was made; a unique match adds `unique_conflict` (and `replaced`) to the job.
        guard result.created else { return try .json(EnqueueResponse(result)) }
        return try .json(result.job, status: .created, headers: Self.location(of: result.job))
    }

    private func enqueueBatch(_ body: JSONRequestBody, as caller: Caller) async throws -> Response {
        // Counted on the untyped document so an oversized batch is refused before
        // thousands of jobs are decoded.
        if case .array(let jobs)? = body.value["jobs"] {
            guard !jobs.isEmpty else {
                throw ConveyorError.invalid([ValidationFailure("jobs", "must contain at least one job")])
            }
            guard jobs.count <= Self.maxBatchSize else {
                throw ConveyorError.invalid([
                    ValidationFailure("jobs", "has \(jobs.count) jobs; at most \(Self.maxBatchSize) are accepted per request, so split the batch")
                ])
            }
        }
        let batch = try body.decode(EnqueueBatchRequest.self)
        let results: [InsertResult]
        do {
            results = try await conveyor.enqueue(batch.jobs, as: caller)
        } catch let error as ConveyorError where error.code == .validation && batch.jobs.count == 1 {
            // Core names fields without the `jobs[i]` prefix when it sees a single request;
            // in a batch body the client needs the prefix to find the field.
            throw ConveyorError.invalid(error.failures.map { $0.nested(under: "jobs[0]") })
        }
        let status: HTTPResponse.Status = results.contains(where: \.created) ? .created : .ok
        return try .json(EnqueueBatchResponse(results: results), status: status)
    }

    static func location(of job: Job) -> HTTPFields {
        var headers = HTTPFields()
        headers[.location] = "/v1/jobs/\(job.id)"
        return headers
    }
}
