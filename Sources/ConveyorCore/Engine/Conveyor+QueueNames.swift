/// The bound on distinct queue names (see ``QueueNameBound``).
extension Conveyor {
    /// The bound this facade enforces, and the metrics' queue labels.
    public var queueNames: QueueNameBound { metrics.queueNames }

    /// Refuses jobs that would create a queue past the bound, naming each one's field.
    func admitQueues(_ queues: [(field: String, queue: String)]) async throws {
        try await metrics.queueNames.admit(queues) { try await backend.jobs.queueStats(now: clock.now()).map(\.queue) }
    }
}

extension Conveyor {
    /// Job counts per queue, as `caller` may see them: a queue operator (an admin, or
    /// tenant `default`) sees every queue; any other tenant only the queues its own jobs
    /// use, since queue names are often customer or project names.
    public func queueStats(as caller: Caller?) async throws -> [QueueStats] {
        let stats = try await queueStats()
        guard let caller, !Self.isQueueOperator(caller) else { return stats }
        let own = Set(try await backend.jobs.queueNames(tenant: caller.tenant))
        return stats.filter { own.contains($0.queue) }
    }
}
