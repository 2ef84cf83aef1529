import Logging

/// Collects the outcomes of finished attempts so they are written many per transaction.
///
/// A ``QueueWorker``'s loop owns it: outcomes pile up while one batch is being written,
/// and the next write takes all of them. Under load that makes big batches; an idle
/// system pays no added latency. A failed write is retried with backoff, never dropped.
struct BatchCompleter {
    let maxBatch: Int
    private var pending: [JobOutcome] = []

    init(maxBatch: Int = 1000) {
        self.maxBatch = maxBatch
    }

    var isEmpty: Bool { pending.isEmpty }

    /// The leases of the outcomes not yet taken for writing; heartbeats keep them alive.
    var leases: [LeaseKey] { pending.map(\.lease) }

    mutating func add(_ outcome: JobOutcome) {
        pending.append(outcome)
    }

    /// The next batch to write, if any.
    mutating func takeBatch() -> [JobOutcome]? {
        guard !pending.isEmpty else { return nil }
        let batch = Array(pending.prefix(maxBatch))
        pending.removeFirst(batch.count)
        return batch
    }

    /// Writes one batch in one transaction, retrying until it is written. Returns early
    /// only when the task is cancelled (a hard stop): the leases then expire and the
    /// jobs run again, so nothing is lost.
    static func write(_ batch: [JobOutcome], to store: any JobClaimStore, timeout: Duration, logger: Logger) async {
        var delay = 0.05
        while true {
            do {
                try await withDeadline(timeout, "writing job outcomes") { try await store.completeJobs(batch) }
                return
            } catch {
                logger.loopFailure("writing \(batch.count) job outcomes failed; retrying", error: error)
                if Task.isCancelled { return }
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 5)
            }
        }
    }
}
