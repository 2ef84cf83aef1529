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
    /// Set when the job's type has a circuit breaker: the store counts the outcome
    /// against it in the same transaction.
    public var circuit: CircuitTally?
    /// A handler-signalled pause of the job's queue and concurrency key, until this time.
    public var pauseKeyUntil: Date?

    /// The outcome feeds flow control (a breaker's tally or a key's pause), which the store
    /// applies in the same transaction, counting only outcomes that applied.
    public var countsTowardFlowControl: Bool { circuit != nil || pauseKeyUntil != nil }

    public init(
        lease: LeaseKey, owner: String, kind: Kind, finishedAt: Date, circuit: CircuitTally? = nil,
        pauseKeyUntil: Date? = nil
    ) {
        self.lease = lease
        self.owner = owner
        self.kind = kind
        self.finishedAt = finishedAt
        self.circuit = circuit
        self.pauseKeyUntil = pauseKeyUntil
    }
}
