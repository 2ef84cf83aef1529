import Foundation

/// Triggers through the facade: routing rules that turn events into jobs.
extension Conveyor {
    /// Creates a trigger: every event on `request.topic` (of its tenant) from now on
    /// enqueues a job of `request.job.type` with the event as its payload.
    ///
    /// The job type must be registered here, and the job's options must be valid, as for
    /// `POST /v1/jobs`; failures name the field (`job.max_attempts`).
    public func createTrigger(_ request: TriggerRequest, as caller: Caller? = nil) async throws -> Trigger {
        try NULCharacters.check(request)
        let tenant = try caller?.tenant(forNew: request.tenant) ?? request.tenant ?? Tenant.defaultID
        try validateTrigger(
            topic: request.topic, job: request.job, tenant: tenant, types: try await jobTypeCatalog(naming: [request.job.type]))
        let trigger = Trigger(
            id: JobID.make(), tenant: tenant, topic: request.topic, job: request.job, source: "api",
            createdAt: clock.now(), createdBy: caller?.createdBy)
        return try await backend.triggers.createTrigger(trigger).trigger
    }

    /// The triggers; a caller that is not admin sees only its tenant's.
    public func triggers(as caller: Caller? = nil) async throws -> [Trigger] {
        try await backend.triggers.triggers().filter { caller?.canAccess(tenant: $0.tenant) ?? true }
    }

    /// Deletes a trigger with its consumer group and dead letters. Jobs it made stay.
    public func deleteTrigger(id: String, as caller: Caller? = nil) async throws {
        let notFound = ConveyorError(.notFound, "No trigger has id '\(id)'. List them with GET /v1/triggers.")
        guard let trigger = try await backend.triggers.triggers().first(where: { $0.id == id }),
            caller?.canAccess(tenant: trigger.tenant) ?? true
        else { throw notFound }
        guard try await backend.triggers.deleteTrigger(id: id) else { throw notFound }
    }

    func validateTrigger(topic: String, job: TriggerJob, tenant: String, types: JobTypeCatalog) throws {
        var failures: [ValidationFailure] = []
        do throws(ConveyorError) { _ = try TopicFilter(topic) } catch { failures += error.failures }
        if let type = types.entry(job.type) {
            // The same checks as an enqueue, so a trigger never fires a job that cannot exist.
            let probe = EnqueueRequest(
                type: job.type, queue: job.queue, priority: job.priority, maxAttempts: job.maxAttempts,
                backoff: job.backoff, timeoutSeconds: job.timeoutSeconds, tags: job.tags, tenant: tenant)
            do throws(ConveyorError) {
                _ = try probe.resolve(defaults: type.defaults, now: clock.now())
            } catch {
                failures += error.failures.map { $0.field == "tenant" ? $0 : $0.nested(under: "job") }
            }
        } else {
            failures.append(types.unknown(job.type, field: "job.type"))
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
    }
}
