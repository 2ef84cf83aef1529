import Foundation

/// The end of one attempt, as a worker reports it to the ``BatchCompleter``.
public struct JobOutcome: Sendable {
    public enum Kind: Sendable {
        case succeeded(result: JSONValue?)
        /// Failed; another attempt runs at `at`.
        case retry(at: Date, error: AttemptError)
        /// Failed for good: the dead-letter state.
        case failed(error: AttemptError)
        /// Postponed without spending an attempt.
        case snoozed(until: Date)
        case cancelled(reason: String)
        /// Handed back at shutdown: queued again, attempt refunded.
        case released
    }

    public var lease: LeaseKey
    public var owner: String
    public var kind: Kind
    public var finishedAt: Date

    public init(lease: LeaseKey, owner: String, kind: Kind, finishedAt: Date) {
        self.lease = lease
        self.owner = owner
        self.kind = kind
        self.finishedAt = finishedAt
    }
}
