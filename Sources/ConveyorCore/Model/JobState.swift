/// The life of a job. `docs/state-machine.md` draws the transitions.
public enum JobState: String, Codable, Sendable, CaseIterable {
    /// Waiting for `run_at`, which is in the future.
    case scheduled
    /// Due, waiting for a worker.
    case queued
    /// Held by a worker under a lease.
    case running
    /// Failed an attempt, waiting for its backoff to pass.
    case retrying
    case succeeded
    /// Attempts exhausted or a permanent error: the dead-letter state.
    case failed
    case cancelled

    /// A final state never changes again, except through an explicit retry.
    public var isFinal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: return true
        default: return false
        }
    }
}
