import Logging

/// Writes the outcomes of many attempts in one transaction.
///
/// Workers hand in outcomes as they finish; the completer writes whatever has piled up
/// since its last write. Under load that makes big batches, and an idle system pays no
/// added latency. A failed write is retried with backoff and never dropped.
public actor BatchCompleter {
    private let store: any JobStore
    private let logger: Logger
    private let maxBatch: Int
    private var pending: [JobOutcome] = []
    private var waiter: CheckedContinuation<Void, Never>?
    private var finishing = false

    public init(store: any JobStore, logger: Logger, maxBatch: Int = 1000) {
        self.store = store
        self.logger = logger
        self.maxBatch = maxBatch
    }

    public func submit(_ outcome: JobOutcome) {
        pending.append(outcome)
        wake()
    }

    /// Asks `run()` to return once everything handed in so far is written.
    public func finish() {
        finishing = true
        wake()
    }

    public func run() async {
        while let batch = await nextBatch() {
            var delay = 0.05
            while true {
                do {
                    try await store.completeJobs(batch)
                    break
                } catch {
                    logger.error("writing \(batch.count) job outcomes failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                    if Task.isCancelled {
                        // A hard stop: the leases will expire and the jobs will run again.
                        return
                    }
                    try? await Task.sleep(for: .seconds(delay))
                    delay = min(delay * 2, 5)
                }
            }
        }
    }

    private func nextBatch() async -> [JobOutcome]? {
        while pending.isEmpty {
            if finishing { return nil }
            await withCheckedContinuation { waiter = $0 }
        }
        let batch = Array(pending.prefix(maxBatch))
        pending.removeFirst(batch.count)
        return batch
    }

    private func wake() {
        waiter?.resume()
        waiter = nil
    }
}
