import Foundation

/// Workflows through the facade: the HTTP routes and Swift code submit, read and act on
/// workflows here, with the same tenant rules as jobs.
extension Conveyor {
    /// Validates the DAG and, in one transaction, stores the workflow and its steps,
    /// creates the jobs of the steps that depend on nothing, and appends
    /// `workflow.submitted`. A rejected workflow writes nothing.
    public func submitWorkflow(_ request: WorkflowRequest, as caller: Caller? = nil) async throws -> WorkflowStatus {
        try NULCharacters.check(request)
        let now = clock.now()
        var tenant = request.tenant ?? Tenant.defaultID
        if let caller { tenant = try caller.tenant(forNew: request.tenant) }
        if !EnqueueRequest.isValidName(tenant) {
            throw ConveyorError.invalid([
                ValidationFailure("tenant", "must be 1–100 characters of letters, digits, '_', '-', '.' or ':'")
            ])
        }
        let types = try await jobTypeCatalog(naming: request.steps.map(\.type))
        var workflow = try WorkflowValidator(types: types).validate(
            request, tenant: tenant, createdBy: caller?.createdBy, now: now)
        try await admitQueues(workflow.steps.enumerated().map { ("steps[\($0.offset)].queue", $0.element.spec.queue) })
        // Each step's job copies its spec's payload, so the spec is what gets prepared.
        var specs = workflow.steps.map { NewJob(type: $0.spec.type, payload: $0.spec.payload, runAt: now, tenant: tenant, createdAt: now) }
        try await prepareForStorage(&specs, fieldPrefix: { "steps[\($0)]." })
        for index in specs.indices { workflow.steps[index].spec.payload = specs[index].payload }
        // Checked on the payloads as written; inputs added later come from results the
        // store already holds.
        let probes = workflow.steps.map { step in
            NewJob(type: step.spec.type, payload: step.spec.payload, runAt: now, tenant: tenant, createdAt: now)
        }
        try await checkPayloadLimits(probes, fieldPrefix: { "steps[\($0)]." })
        let result = try await backend.workflows.insertWorkflow(workflow) { snapshot in
            var change = WorkflowPlanner.advance(snapshot, now: now)
            change.events.insert(.submitted, at: 0)
            return change
        }
        await announce(result)
        return WorkflowStatus(result.snapshot)
    }

    /// Submits a workflow built in Swift.
    @discardableResult
    public func submit(_ workflow: Workflow, as caller: Caller? = nil) async throws -> WorkflowStatus {
        try await submitWorkflow(try workflow.request(), as: caller)
    }

    /// The workflow, or "not found" when there is none or the caller may not see its tenant.
    public func workflow(id: String, as caller: Caller? = nil) async throws -> WorkflowStatus {
        WorkflowStatus(try await snapshot(id: id, as: caller))
    }

    /// Lists workflows, newest first. A caller that is not admin sees only its own tenant's.
    public func listWorkflows(_ query: WorkflowQuery, as caller: Caller? = nil) async throws -> WorkflowPage {
        var query = query
        let scopedTenant = try scoped(JobQuery(tenant: query.tenant), to: caller).tenant
        query.tenant = scopedTenant
        let page = try await backend.workflows.listWorkflows(query)
        return WorkflowPage(workflows: page.workflows.map(WorkflowStatus.init), nextCursor: page.nextCursor)
    }

    /// Cancels a running workflow: steps without a job will not run, waiting jobs are
    /// cancelled, running ones are asked to stop (as `DELETE /v1/jobs/{id}` does). The
    /// workflow is `cancelled` at once; a finished one is a conflict.
    public func cancelWorkflow(id: String, as caller: Caller? = nil) async throws -> WorkflowStatus {
        _ = try await snapshot(id: id, as: caller)
        let now = clock.now()
        let result = try await update(id: id) { snapshot in try WorkflowPlanner.cancel(snapshot, now: now) }
        await announce(result)
        return WorkflowStatus(result.snapshot)
    }

    /// Runs a failed or cancelled workflow's failed and cancelled steps again, with their
    /// dependents. Succeeded steps keep their results, which feed the re-run steps' inputs.
    public func retryWorkflow(id: String, as caller: Caller? = nil) async throws -> WorkflowStatus {
        _ = try await snapshot(id: id, as: caller)
        let now = clock.now()
        let result = try await update(id: id) { snapshot in try WorkflowPlanner.retry(snapshot, now: now) }
        await announce(result)
        return WorkflowStatus(result.snapshot)
    }

    /// Accounts for the workflow's step jobs that ended: what the ``WorkflowAdvancer`` runs
    /// for each workflow that has some.
    @discardableResult
    func advanceWorkflow(id: String) async throws -> WorkflowUpdateResult? {
        let now = clock.now()
        let result = try await backend.workflows.updateWorkflow(id: id) { snapshot in
            WorkflowPlanner.advance(snapshot, now: now)
        }
        if let result { await announce(result) }
        return result
    }

    private func snapshot(id: String, as caller: Caller?) async throws -> WorkflowSnapshot {
        guard let snapshot = try await backend.workflows.workflow(id: id), caller?.canAccess(tenant: snapshot.workflow.tenant) ?? true
        else { throw ConveyorError.notFound(workflow: id) }
        return snapshot
    }

    private func update(id: String, _ decide: @escaping WorkflowDecision) async throws -> WorkflowUpdateResult {
        guard let result = try await backend.workflows.updateWorkflow(id: id, decide) else {
            throw ConveyorError.notFound(workflow: id)
        }
        return result
    }

    /// Wakes the workers of created jobs, the workers of jobs asked to stop, and the event tailer.
    private func announce(_ result: WorkflowUpdateResult) async {
        var signals: Set<EngineSignal> = []
        var counts: [String: [String: Int]] = [:]
        for job in result.change.createJobs {
            if job.initialState == .queued { signals.insert(.jobsAvailable(queue: job.queue)) }
            counts[job.queue, default: [:]][job.type, default: 0] += 1
        }
        for id in result.change.requestCancel { signals.insert(.cancelRequested(jobID: id)) }
        if !result.change.isEmpty { signals.insert(.eventsAppended) }
        for (queue, types) in counts {
            for (type, count) in types { metrics.enqueued(queue: queue, type: type, count: count) }
        }
        if !signals.isEmpty { await notifier.notify(signals) }
    }
}

extension ConveyorError {
    public static func notFound(workflow id: String) -> ConveyorError {
        ConveyorError(.notFound, "No workflow has id '\(id)'. Check the id, or list workflows with GET /v1/workflows.")
    }
}
