import Foundation

/// Queue settings, pausing, queue details and circuit breakers (docs/flow-control.md).
///
/// Queues are shared by every tenant, so changing one is an operator's act: with a
/// caller, PATCH, pause and resume need an admin or a credential of the deployment's own
/// tenant (`default`, where the bootstrap admin key lives); any other tenant's
/// credential is ``ConveyorError/Code/forbidden``. A queue's detail is readable by any
/// caller the route lets in, but a caller outside the operator's tenant sees only its
/// own concurrency key among the running and paused keys (keys default to tenant names).
///
/// Breakers carry the tenant of the jobs they guard: a caller that is not admin sees and
/// resets only its own tenant's.
extension Conveyor {
    /// How far back `throughput` looks.
    public static let throughputWindowSeconds: Double = 60
    /// Finished jobs are counted among jobs created this long ago at most.
    static let throughputCreatedWithin: Double = 24 * 3600

    // MARK: Queues

    /// The queue's settings, counts, busiest keys, paused keys and last minute's throughput.
    /// A valid name with no jobs and no settings answers with zeros: queues exist by use.
    public func queueDetail(_ name: String, as caller: Caller? = nil) async throws -> QueueDetail {
        try Self.checkQueueName(name)
        let now = clock.now()
        let settings = try await backend.flowControl.queueSettings(queue: name) ?? QueueSettings()
        let stats = try await backend.jobs.queueStats(now: now).first { $0.queue == name }
        var counts = stats?.counts ?? [:]
        for state in JobState.allCases where counts[state.rawValue] == nil {
            counts[state.rawValue] = 0
        }
        // Keys are shown as their tenants gave them, with the tenant beside each.
        var running = try await backend.flowControl.runningByKey(queue: name, limit: 20).map { count in
            let (tenant, key) = ConcurrencyKey.parse(count.key)
            return KeyCount(key: key, count: count.count, tenant: tenant)
        }
        var paused = try await backend.flowControl.pausedKeys(queue: name, now: now).map { pause in
            let (tenant, key) = ConcurrencyKey.parse(pause.key)
            return PausedKey(key: key, until: pause.until, tenant: tenant)
        }
        if let caller, !Self.isQueueOperator(caller) {
            running = running.filter { $0.tenant == caller.tenant }
            paused = paused.filter { $0.tenant == caller.tenant }
        }
        let finished = try await backend.flowControl.finishedCounts(
            queue: name, since: now.addingTimeInterval(-Self.throughputWindowSeconds),
            createdAfter: now.addingTimeInterval(-Self.throughputCreatedWithin))
        return QueueDetail(
            queue: name, paused: settings.paused, settings: settings, counts: counts,
            oldestQueuedAgeSeconds: stats?.oldestQueuedAgeSeconds, runningByKey: running, pausedKeys: paused,
            throughput: .init(windowSeconds: Self.throughputWindowSeconds, succeeded: finished.succeeded, failed: finished.failed))
    }

    /// Changes only the fields the patch carries; `null` clears a limit. `paused` is
    /// refused: it has its own calls, ``pauseQueue(_:as:)`` and ``resumeQueue(_:as:)``.
    public func updateQueueSettings(_ name: String, patch: QueueSettingsPatch, as caller: Caller? = nil) async throws
        -> QueueDetail
    {
        try Self.checkQueueName(name)
        try Self.checkQueueOperator(caller, acting: "change")
        if patch.paused != nil {
            throw ConveyorError.invalid([
                ValidationFailure(
                    "paused",
                    "cannot be set with PATCH; use POST /v1/queues/\(name)/pause or POST /v1/queues/\(name)/resume, which record queue.paused and queue.resumed events")
            ])
        }
        let current = try await backend.flowControl.queueSettings(queue: name) ?? QueueSettings()
        let settings = patch.applied(to: current)
        let failures = settings.validate()
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        if settings != current {
            try await backend.flowControl.setQueueSettings(settings, queue: name, now: clock.now())
            // Loosened limits may let waiting jobs start now.
            await notifier.notify([.jobsAvailable(queue: name)])
        }
        return try await queueDetail(name, as: caller)
    }

    /// Stops claims from the queue on every node; running jobs finish, new jobs are
    /// accepted and wait. Pausing a paused queue changes nothing and writes no event.
    public func pauseQueue(_ name: String, as caller: Caller? = nil) async throws -> QueueDetail {
        try await setPaused(name, true, as: caller)
    }

    /// Lets the queue's jobs be claimed again. Resuming a running queue changes nothing.
    public func resumeQueue(_ name: String, as caller: Caller? = nil) async throws -> QueueDetail {
        try await setPaused(name, false, as: caller)
    }

    private func setPaused(_ name: String, _ paused: Bool, as caller: Caller?) async throws -> QueueDetail {
        try Self.checkQueueName(name)
        try Self.checkQueueOperator(caller, acting: paused ? "pause" : "resume")
        if try await backend.flowControl.setQueuePaused(queue: name, paused: paused, now: clock.now()) {
            var signals: Set<EngineSignal> = [.eventsAppended]
            if !paused { signals.insert(.jobsAvailable(queue: name)) }
            await notifier.notify(signals)
            logger.notice("queue \(paused ? "paused" : "resumed")", metadata: ["queue": "\(name)", "by": "\(caller?.createdBy ?? "in-process")"])
        }
        return try await queueDetail(name, as: caller)
    }

    /// Admins and credentials of the deployment's own tenant manage queues; so does
    /// trusted in-process code (no caller).
    public static func isQueueOperator(_ caller: Caller) -> Bool {
        caller.isAdmin || caller.tenant == Tenant.defaultID
    }

    static func checkQueueOperator(_ caller: Caller?, acting verb: String) throws(ConveyorError) {
        guard let caller, !isQueueOperator(caller) else { return }
        throw ConveyorError.forbidden(
            "Queues are shared by every tenant, so only an admin or a credential of tenant '\(Tenant.defaultID)' may \(verb) one; this credential is bound to tenant '\(caller.tenant)'.")
    }

    static func checkQueueName(_ name: String) throws(ConveyorError) {
        guard EnqueueRequest.isValidName(name) else {
            throw ConveyorError.invalid([ValidationFailure("name", "a queue name is 1–100 characters of letters, digits, '_', '-', '.' or ':'")])
        }
    }

    // MARK: Circuit breakers

    /// Breakers, those not closed first; `state` filters. A caller that is not admin sees
    /// only its own tenant's.
    public func circuits(state: Circuit.State? = nil, limit: Int = 1000, as caller: Caller? = nil) async throws -> [Circuit] {
        guard let caller, !caller.isAdmin else {
            return try await backend.flowControl.circuits(state: state, limit: limit).map(\.shown)
        }
        // The store filters by state only; read widely, then keep the caller's tenant.
        let all = try await backend.flowControl.circuits(state: state, limit: 10_000)
        return Array(all.filter { ConcurrencyKey.parse($0.key).tenant == caller.tenant }.prefix(limit)).map(\.shown)
    }

    /// Closes the breakers of `key` (only the one of `type` when given), appending
    /// `circuit.closed` for each that was open or half-open. A caller's key is its own
    /// tenant's; an admin (or in-process code) resets the key in every tenant, or only in
    /// `tenant` when given. ``ConveyorError/Code/notFound`` when no breaker matched.
    public func resetCircuit(key: String, type: String? = nil, tenant: String? = nil, as caller: Caller? = nil) async throws -> [Circuit] {
        let now = clock.now()
        let scope = caller.flatMap { $0.isAdmin ? nil : $0.tenant } ?? tenant
        let matching = try await backend.flowControl.circuits(state: nil, limit: 10_000).filter { circuit in
            let (owner, shown) = ConcurrencyKey.parse(circuit.key)
            return shown == key && (scope == nil || owner == scope) && (type == nil || circuit.type == type)
        }
        var reset: [Circuit] = []
        for circuit in matching {
            reset += try await backend.flowControl.resetCircuits(key: circuit.key, type: circuit.type, now: now)
        }
        reset = reset.map(\.shown)
        guard !reset.isEmpty else { throw Self.circuitNotFound(key: key, type: type) }
        var signals: Set<EngineSignal> = [.eventsAppended]
        for circuit in reset { signals.insert(.jobsAvailable(queue: circuit.queue)) }
        await notifier.notify(signals)
        logger.notice("circuit reset", metadata: ["key": "\(key)", "type": "\(type ?? "*")", "by": "\(caller?.createdBy ?? "in-process")"])
        return reset
    }

    public static func circuitNotFound(key: String, type: String?) -> ConveyorError {
        let which = type.map { "of job type '\($0)' " } ?? ""
        return ConveyorError(
            .notFound, "No circuit breaker \(which)has key '\(key)'. List breakers with GET /v1/circuits.")
    }
}
