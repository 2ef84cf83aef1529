import Synchronization

/// A store call that did not answer in time. Database drivers can lose a query when
/// the connection dies under it (a failover, a restart); waiting for such a call would
/// stall its loop forever, so the loop gives up on it, logs, and carries on.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var operation: String
    public var limit: Duration
    public var description: String { "\(operation) did not answer within \(limit)" }
}

/// Runs `operation`, but returns (throwing ``DeadlineExceeded``) once `limit` passes,
/// leaving the operation cancelled behind it. Used around every store call a loop makes.
public func withDeadline<T: Sendable>(
    _ limit: Duration, _ operation: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = OnceOutcome<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            outcome.arm(continuation)
            let work = Task {
                do { outcome.resolve(.success(try await body())) } catch { outcome.resolve(.failure(error)) }
            }
            let timer = Task {
                try? await Task.sleep(for: limit)
                if !Task.isCancelled, outcome.resolve(.failure(DeadlineExceeded(operation: operation, limit: limit))) {
                    work.cancel()
                }
            }
            outcome.onResolve { timer.cancel() }
        }
    } onCancel: {
        outcome.resolve(.failure(CancellationError()))
    }
}

/// Resumes a continuation once, whichever of the work, the timer or a cancellation comes first.
private final class OnceOutcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var done = false
        var cleanup: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func arm(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func onResolve(_ cleanup: @escaping @Sendable () -> Void) {
        let run = state.withLock { state -> Bool in
            if state.done { return true }
            state.cleanup = cleanup
            return false
        }
        if run { cleanup() }
    }

    /// True if this call decided the outcome.
    @discardableResult
    func resolve(_ result: Result<T, any Error>) -> Bool {
        let (continuation, cleanup, won) = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?, Bool) in
            guard !state.done else { return (nil, nil, false) }
            state.done = true
            let continuation = state.continuation
            if continuation == nil { state.early = result }
            state.continuation = nil
            return (continuation, state.cleanup, true)
        }
        continuation?.resume(with: result)
        cleanup?()
        return won
    }
}
