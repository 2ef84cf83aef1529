import Foundation

/// The pull protocol for workers outside Swift (docs/workers.md): register, claim with a
/// long poll, heartbeat, report outcomes, and the registry that lists them. The HTTP
/// routes are thin wrappers over these calls.
///
/// Remote workers run the jobs of shared queues, as in-process pools do, so only a queue
/// operator (an admin, or a credential of tenant `default`) registers one.
extension Conveyor {
    /// A lease when the registration names none; BullMQ's default lock is 30 s.
    public static let defaultWorkerLeaseSeconds = 60.0
    public static let workerLeaseRange = 5.0...3600.0
    /// How long stopped and silent workers stay listed.
    public static let workerRetentionSeconds = 86_400.0

    // MARK: Registry

    public func registerWorker(_ request: RegisterWorkerRequest, as caller: Caller? = nil) async throws -> WorkerInfo {
        try Self.checkQueueOperator(caller, acting: "run remote workers for")
        try NULCharacters.check(request)
        var failures: [ValidationFailure] = []
        func check(_ ok: Bool, _ field: String, _ message: String) {
            if !ok { failures.append(ValidationFailure(field, message)) }
        }
        check(!request.name.isEmpty && request.name.utf8.count <= 200, "name", "must be 1–200 bytes, such as \"content-worker\"")
        check(!request.queues.isEmpty && request.queues.count <= 100, "queues", "must name 1–100 queues, each with its concurrency: {\"content\": 10}")
        for (queue, concurrency) in request.queues.sorted(by: { $0.key < $1.key }) {
            check(EnqueueRequest.isValidName(queue), "queues.\(queue)", "a queue name is 1–100 characters of letters, digits, '_', '-', '.' or ':'")
            check((1...10_000).contains(concurrency), "queues.\(queue)", "concurrency must be between 1 and 10000")
        }
        let labels = request.labels ?? [:]
        check(labels.count <= 50, "labels", "at most 50 labels")
        for (key, value) in labels where key.isEmpty || key.utf8.count > 100 || value.utf8.count > 500 {
            check(false, "labels.\(key)", "keys are 1–100 bytes and values at most 500")
        }
        if let sdk = request.sdk { check(!sdk.isEmpty && sdk.utf8.count <= 100, "sdk", "must be 1–100 bytes, such as \"conveyor-ts/0.1.0\"") }
        if let host = request.host { check(!host.isEmpty && host.utf8.count <= 255, "host", "must be 1–255 bytes") }
        let lease = request.leaseSeconds ?? Self.defaultWorkerLeaseSeconds
        check(Self.workerLeaseRange.contains(lease), "lease_seconds", "must be between 5 and 3600")
        let declarations = request.jobTypes ?? []
        check(declarations.count <= 100, "job_types", "at most 100 job types per worker")
        let now = clock.now()
        var declared: [DeclaredJobType] = []
        let onlyQueue = request.queues.count == 1 ? request.queues.keys.first : nil
        for (index, declaration) in declarations.enumerated() {
            let prefix = "job_types[\(index)]."
            guard let type = declaration.type else {
                failures.append(ValidationFailure(prefix + "type", "required: the job type this worker runs"))
                continue
            }
            do throws(ConveyorError) {
                let resolved = try declaration.resolve(
                    type: type, defaultQueue: onlyQueue, declaredBy: "worker:\(request.name)", now: now, prefix: prefix)
                if request.queues[resolved.defaults.queue] == nil {
                    failures.append(ValidationFailure(prefix + "queue", "'\(resolved.defaults.queue)' is not one of this worker's queues; give one of \(request.queues.keys.sorted().joined(separator: ", "))"))
                }
                declared.append(resolved)
            } catch {
                failures += error.failures
            }
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        try await admitQueues(request.queues.keys.sorted().map { ("queues.\($0)", $0) })

        let worker = RemoteWorker(
            id: JobID.make(at: now), tenant: caller?.tenant ?? Tenant.defaultID, name: request.name, host: request.host,
            sdk: request.sdk, queues: request.queues, labels: labels, state: .active,
            secret: Self.randomSecret(), leaseSeconds: lease,
            heartbeatIntervalSeconds: (lease / 4).rounded(.down).clamped(to: 1...60), running: 0, startedAt: now,
            lastHeartbeatAt: now)
        if !declared.isEmpty { try await backend.jobTypes.declareJobTypesIfAbsent(declared) }
        try await backend.workers.registerWorker(worker)
        return WorkerInfo(worker, now: now)
    }

    /// The registry: every worker for an operator, the caller's tenant's otherwise.
    public func workers(as caller: Caller? = nil) async throws -> WorkerList {
        let tenant = caller.flatMap { Self.isQueueOperator($0) ? nil : $0.tenant }
        let now = clock.now()
        return WorkerList(workers: try await backend.workers.listWorkers(tenant: tenant).map { WorkerInfo($0, now: now) })
    }

    public func worker(id: String, as caller: Caller? = nil) async throws -> WorkerInfo {
        WorkerInfo(try await requireWorker(id, as: caller), now: clock.now())
    }

    /// Tells the worker to stop claiming; it learns so at its next heartbeat or claim. A
    /// stopped worker has left: quieting it would bring it back to the registry as quiet.
    public func quietWorker(id: String, as caller: Caller? = nil) async throws -> WorkerInfo {
        guard try await requireWorker(id, as: caller).state != .stopped else {
            throw ConveyorError(.conflict, "Worker \(id) is stopped: it claims nothing already, and quieting it would not bring it back.")
        }
        return try await setWorkerState(id, .quiet, as: caller)
    }

    /// Deregisters: the worker has drained and is leaving.
    public func stopWorker(id: String, as caller: Caller? = nil) async throws -> WorkerInfo {
        try await setWorkerState(id, .stopped, as: caller)
    }

    private func setWorkerState(_ id: String, _ state: RemoteWorker.State, as caller: Caller?) async throws -> WorkerInfo {
        _ = try await requireWorker(id, as: caller)
        guard let worker = try await backend.workers.setWorkerState(id: id, state: state) else { throw Self.workerNotFound(id) }
        return WorkerInfo(worker, now: clock.now())
    }

    // MARK: Claim

    /// Claims up to `limit` due jobs of `queue` for the worker, waiting up to
    /// `wait_seconds` for some to be due. Flow control, pauses and breakers apply as for
    /// in-process workers: this is the same claim. A quiet worker gets no jobs.
    ///
    /// At least once: if the answer never reaches the worker (the connection dropped), the
    /// jobs come back when their leases expire, and the attempt counts.
    public func claimJobs(worker id: String, _ request: WorkerClaimRequest, as caller: Caller? = nil) async throws -> WorkerClaimResponse {
        let worker = try await requireWorker(id, as: caller)
        var failures: [ValidationFailure] = []
        if worker.queues[request.queue] == nil {
            failures.append(
                ValidationFailure("queue", "'\(request.queue)' is not one of this worker's queues (\(worker.queues.keys.sorted().joined(separator: ", "))); register a worker for it"))
        }
        let limit = request.limit ?? 1
        if !(1...WorkerClaimRequest.maxLimit).contains(limit) {
            failures.append(ValidationFailure("limit", "must be between 1 and \(WorkerClaimRequest.maxLimit)"))
        }
        let wait = request.waitSeconds ?? 0
        if !(0...WorkerClaimRequest.maxWaitSeconds).contains(wait) {
            failures.append(ValidationFailure("wait_seconds", "must be between 0 and \(Int(WorkerClaimRequest.maxWaitSeconds))"))
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        switch worker.status(at: clock.now()) {
        case .stopped:
            throw ConveyorError(.conflict, "Worker \(id) is stopped and claims nothing; register again with POST /v1/workers.")
        case .quiet:
            return WorkerClaimResponse(jobs: [])
        case .active, .stale:
            break
        }

        let deadline = ContinuousClock.now + .seconds(wait)
        // Joined before the first claim, so a wake-up during it is not lost.
        let ticket = wait > 0 ? await claimWaiters.enter(queue: request.queue) : nil
        do {
            let jobs = try await claimLoop(worker, queue: request.queue, limit: limit, ticket: ticket, deadline: deadline)
            if let ticket { await claimWaiters.leave(ticket) }
            return WorkerClaimResponse(jobs: jobs)
        } catch {
            if let ticket { await claimWaiters.leave(ticket) }
            throw error
        }
    }

    private func claimLoop(
        _ worker: RemoteWorker, queue: String, limit: Int, ticket: ClaimWaiters.Ticket?, deadline: ContinuousClock.Instant
    ) async throws -> [RemoteJob] {
        while true {
            let now = clock.now()
            let until = now.addingTimeInterval(worker.leaseSeconds)
            let claimed = try await backend.claims.claimJobs(
                queue: queue, limit: limit, owner: worker.leaseOwner, leaseUntil: until, now: now)
            if !claimed.isEmpty {
                await notifier.notify([.eventsAppended])
                let read = try await backend.jobs.jobs(ids: claimed.map(\.id))
                let byID = Dictionary(read.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                // In claim order: priority first, then the oldest.
                return claimed.compactMap { claim in
                    byID[claim.id].map { job in
                        RemoteJob(job, lease: .init(token: LeaseToken(lease: claim.lease, worker: worker).text, expiresAt: until))
                    }
                }
            }
            guard let ticket, ContinuousClock.now < deadline, !Task.isCancelled else { return [] }
            await claimWaiters.wait(ticket, until: deadline)
        }
    }

    // MARK: Heartbeat

    /// Extends the leases of the listed jobs and tells the worker which to cancel, which
    /// it lost, and whether to go quiet or stop.
    public func heartbeat(worker id: String, _ request: WorkerHeartbeatRequest, as caller: Caller? = nil) async throws -> WorkerHeartbeatResponse {
        let worker = try await requireWorker(id, as: caller)
        guard request.jobs.count <= 10_000 else {
            throw ConveyorError.invalid([ValidationFailure("jobs", "at most 10000 lease tokens per heartbeat")])
        }
        var leases: [LeaseKey] = []
        var lost: [String] = []
        var failures: [ValidationFailure] = []
        for (index, text) in request.jobs.enumerated() {
            guard let token = LeaseToken(parsing: text) else {
                failures.append(ValidationFailure("jobs[\(index)]", "not a lease token; send the lease.token of each job you hold"))
                continue
            }
            if token.isSigned(by: worker) { leases.append(token.lease) } else { lost.append(token.jobID) }
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(Array(failures.prefix(ValidationFailure.listLimit))) }
        let now = clock.now()
        let until = now.addingTimeInterval(worker.leaseSeconds)
        let report = leases.isEmpty ? LeaseReport() : try await backend.claims.extendLeases(leases, owner: worker.leaseOwner, until: until)
        let touched = try await backend.workers.touchWorker(id: id, running: request.jobs.count, now: now)
        return WorkerHeartbeatResponse(
            cancel: report.cancelRequested.subtracting(report.lost).map(\.id).sorted(),
            lost: (lost + report.lost.map(\.id)).sorted(),
            quiet: touched?.state == .quiet, stop: touched == nil || touched?.state == .stopped, leaseExpiresAt: until)
    }

    // MARK: Outcomes

    /// Writes a remote worker's outcomes, in one transaction, answering each: applied,
    /// a conflict (the lease is not this attempt's any more: nothing changed), not found,
    /// or invalid. `workerID` is the worker of the batch route; the single routes leave
    /// it nil and trust the token's (whose MAC is checked either way).
    public func reportOutcomes(
        _ requests: [WorkerOutcomeRequest], worker workerID: String? = nil, as caller: Caller? = nil
    ) async throws -> [WorkerOutcomeResult] {
        guard requests.count <= WorkerOutcomeBatchRequest.maxOutcomes else {
            throw ConveyorError.invalid([ValidationFailure("outcomes", "at most \(WorkerOutcomeBatchRequest.maxOutcomes) outcomes per call")])
        }
        if let workerID { _ = try await requireWorker(workerID, as: caller) }
        let now = clock.now()
        var results: [WorkerOutcomeResult?] = Array(repeating: nil, count: requests.count)
        var pending: [(index: Int, outcome: JobOutcome, queue: String)] = []
        var workers: [String: RemoteWorker?] = [:]
        let jobs = try await backend.jobs.jobs(ids: requests.compactMap(\.jobID))
        let jobsByID = Dictionary(jobs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, request) in requests.enumerated() {
            let jobID = request.jobID ?? ""
            func answer(_ status: WorkerOutcomeResult.Status, _ detail: String) {
                results[index] = WorkerOutcomeResult(jobID: jobID, status: status, detail: detail)
            }
            let prefix = requests.count == 1 ? "" : "outcomes[\(index)]."
            if let problem = RemoteOutcome.check(request, prefix: prefix).first {
                answer(.invalid, "\(problem.field): \(problem.message)")
                continue
            }
            guard let token = LeaseToken(parsing: request.lease), token.jobID == jobID else {
                answer(.invalid, "\(prefix)lease: not this job's lease token; send the lease.token the claim gave for job \(jobID)")
                continue
            }
            if let workerID, token.workerID != workerID {
                answer(.conflict, "the lease was issued to another worker")
                continue
            }
            if workers[token.workerID] == nil { workers[token.workerID] = .some(try await backend.workers.worker(id: token.workerID)) }
            guard let worker = workers[token.workerID] ?? nil, caller?.canAccess(tenant: worker.tenant) ?? true,
                token.isSigned(by: worker)
            else {
                answer(.conflict, "the lease token was not issued by a worker of this tenant")
                continue
            }
            guard let job = jobsByID[jobID], caller?.canAccess(tenant: job.tenant) ?? true else {
                answer(.notFound, "no job \(jobID)")
                continue
            }
            guard job.state == .running, job.attempt == token.attempt, job.leaseOwner == worker.leaseOwner else {
                answer(.conflict, "the lease is no longer held: the job is \(job.state.rawValue) at attempt \(job.attempt); this outcome of attempt \(token.attempt) changes nothing")
                continue
            }
            var outcome = RemoteOutcome.resolve(request, job: job, owner: worker.leaseOwner, now: now)
            if let policy = registry.handler(for: job.type)?.defaults.circuitBreaker {
                outcome.circuit = CircuitTally(type: job.type, key: job.concurrencyKey, queue: job.queue, tenant: job.tenant, policy: policy)
            }
            pending.append((index, outcome, job.queue))
        }
        if !pending.isEmpty {
            let applied = try await backend.claims.completeJobs(pending.map(\.outcome))
            for item in pending {
                var state = RemoteOutcome.state(after: item.outcome.kind)
                var status = WorkerOutcomeResult.Status.applied
                if applied < pending.count {
                    // A lease lapsed between the check and the write: see which outcomes held.
                    let now = try await backend.jobs.job(id: item.outcome.lease.id)
                    if now?.state != state || now?.attempt != item.outcome.lease.attempt - (state == .scheduled ? 1 : 0) {
                        status = .conflict
                        state = now?.state ?? state
                    }
                }
                results[item.index] = WorkerOutcomeResult(
                    jobID: item.outcome.lease.id, status: status, state: state,
                    detail: status == .conflict ? "the lease lapsed before the outcome was written; it changed nothing" : nil)
            }
            await notifier.notify([.eventsAppended])
            // Finished jobs free room under a queue's or a key's cap for claims waiting here.
            for queue in Set(pending.map(\.queue)) { await claimWaiters.wake(queue: queue) }
        }
        return results.map { $0! }
    }

    /// One outcome of one job (`POST /v1/jobs/{id}/complete`, `fail`, `snooze`): written, or
    /// an error saying why not (422 malformed, 404 no such job, 409 the lease is not held).
    public func reportOutcome(
        _ kind: WorkerOutcomeRequest.Kind, job id: String, _ request: WorkerOutcomeRequest, as caller: Caller? = nil
    ) async throws -> WorkerOutcomeResult {
        var request = request
        request.jobID = id
        request.outcome = kind
        let failures = RemoteOutcome.check(request, prefix: "")
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        let result = try await reportOutcomes([request], as: caller)[0]
        switch result.status {
        case .applied: return result
        case .notFound: throw ConveyorError.notFound(job: id)
        case .conflict: throw ConveyorError(.conflict, "Job \(id): \(result.detail ?? "the lease is not held")")
        case .invalid:
            // The batch's detail names the field first ("lease: …"); the failure names it once.
            let detail = result.detail.map { $0.hasPrefix("lease: ") ? String($0.dropFirst(7)) : $0 }
            throw ConveyorError.invalid([ValidationFailure("lease", detail ?? "not this job's lease token")])
        }
    }

    // MARK: Helpers

    static func workerNotFound(_ id: String) -> ConveyorError {
        ConveyorError(.notFound, "No worker has id '\(id)'. Register with POST /v1/workers; list them with GET /v1/workers.")
    }

    /// The worker, if the caller may see it; "not found" otherwise, the same answer either way.
    func requireWorker(_ id: String, as caller: Caller?) async throws -> RemoteWorker {
        guard let worker = try await backend.workers.worker(id: id), caller?.canAccess(tenant: worker.tenant) ?? true else {
            throw Self.workerNotFound(id)
        }
        return worker
    }

    private static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined(separator: "-")
    }
}

extension Double {
    fileprivate func clamped(to range: ClosedRange<Double>) -> Double { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}
