import Synchronization

/// Bounds the number of distinct queue names, and the queue label values of the metrics.
///
/// A queue springs into being with its first job, and any caller allowed to enqueue may
/// name one; each name is a row in every queue listing and a set of series on the
/// unauthenticated `/metrics` (3,000 made-up names grew it from 3 KB to 1.5 MB). So a
/// job may start a new queue only while fewer than ``limit`` exist (a `422` naming
/// `queue` otherwise, nothing written), and the metrics give their own label value only
/// to the first ``limit`` names this process sees; the rest share ``otherLabel``.
///
/// The names known to exist are cached and refreshed from the store at most once a
/// second, on a miss: a job for a known queue costs no query. Nodes enqueueing new
/// names at the same moment can pass the bound by a few; it is a bound on abuse, not
/// an exact quota.
public final class QueueNameBound: Sendable {
    /// The most distinct queues.
    public let limit: Int
    public static let defaultLimit = 500
    /// The queue label of metrics for queues past the bound.
    public static let otherLabel = "_other"

    private struct State {
        var known: Set<String> = []
        var refreshed: ContinuousClock.Instant?
        var labelled: Set<String> = []
    }

    private let state = Mutex(State())

    public init(limit: Int = QueueNameBound.defaultLimit) {
        self.limit = limit
    }

    /// The label value for `queue` in metrics: its name, or ``otherLabel`` past the bound.
    public func label(for queue: String) -> String {
        state.withLock { state in
            if state.labelled.contains(queue) { return queue }
            guard state.labelled.count < limit else { return Self.otherLabel }
            state.labelled.insert(queue)
            return queue
        }
    }

    /// Checks that the queues named by new jobs exist or may be created.
    /// - Parameters:
    ///   - queues: Each job's queue, with the field that named it (`queue`, `jobs[3].queue`).
    ///   - existing: Reads the queue names in use from the store, on a cache miss.
    public func admit(
        _ queues: [(field: String, queue: String)], existing: () async throws -> [String]
    ) async throws {
        func unknown() -> [(field: String, queue: String)] {
            state.withLock { state in queues.filter { !state.known.contains($0.queue) } }
        }
        guard !unknown().isEmpty else { return }
        let now = ContinuousClock.now
        let stale = state.withLock { state in state.refreshed.map { now - $0 > .seconds(1) } ?? true }
        if stale {
            let names = try await existing()
            state.withLock { state in
                state.known.formUnion(names)
                state.refreshed = now
            }
        }
        let failures: [ValidationFailure] = state.withLock { state in
            var failures: [ValidationFailure] = []
            var adding = state.known
            for (field, queue) in queues where !adding.contains(queue) {
                if adding.count >= limit {
                    failures.append(
                        ValidationFailure(
                            field,
                            "'\(queue)' would be a new queue, but this deployment allows at most \(limit) distinct queues; use an existing queue (GET /v1/config/job-options lists them)"))
                } else {
                    adding.insert(queue)
                }
            }
            if failures.isEmpty { state.known = adding }
            return failures
        }
        if !failures.isEmpty { throw ConveyorError.invalid(failures) }
    }
}
