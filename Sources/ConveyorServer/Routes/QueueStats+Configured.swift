import ConveyorCore

extension [QueueStats] {
    /// The store's stats plus a zero entry for every configured queue that has no jobs
    /// yet, every state present, sorted by name: a dashboard or alert can rely on a
    /// queue being listed from the moment it is configured.
    func including(configured queues: [String]) -> [QueueStats] {
        var byName = Dictionary(map { ($0.queue, $0) }, uniquingKeysWith: { first, _ in first })
        for queue in queues where byName[queue] == nil {
            byName[queue] = QueueStats(queue: queue, counts: [:], oldestQueuedAgeSeconds: nil)
        }
        return byName.values.map { stats in
            var stats = stats
            for state in JobState.allCases where stats.counts[state.rawValue] == nil {
                stats.counts[state.rawValue] = 0
            }
            return stats
        }.sorted { $0.queue < $1.queue }
    }
}
