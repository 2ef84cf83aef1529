import Foundation

/// An event a consumer group gave up on after its handler failed every attempt. It holds
/// a copy of the event, so it can be replayed even after the log has pruned it.
public struct DeadLetter: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, Hashable {
        /// Waiting for an operator.
        case dead
        /// Marked for replay; the group's active consumer delivers it again.
        case replaying
    }

    public var id: Int64
    public var group: String
    public var event: LogEvent
    /// Attempts made over every delivery, replays included.
    public var attempts: Int
    /// The handler's last error.
    public var error: String
    public var state: State
    public var failedAt: Date
    public var replayRequestedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, group, event, attempts, error, state
        case failedAt = "failed_at"
        case replayRequestedAt = "replay_requested_at"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(group, forKey: .group)
        try c.encode(event, forKey: .event)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(error, forKey: .error)
        try c.encode(state, forKey: .state)
        try c.encode(failedAt, forKey: .failedAt)
        try c.encode(replayRequestedAt, forKey: .replayRequestedAt)
    }

    public init(
        id: Int64, group: String, event: LogEvent, attempts: Int, error: String, state: State, failedAt: Date,
        replayRequestedAt: Date?
    ) {
        self.id = id
        self.group = group
        self.event = event
        self.attempts = attempts
        self.error = error
        self.state = state
        self.failedAt = failedAt
        self.replayRequestedAt = replayRequestedAt
    }
}

/// A replay that failed again.
public struct ReplayFailure: Sendable, Hashable {
    public var attempts: Int
    public var error: String

    public init(attempts: Int, error: String) {
        self.attempts = attempts
        self.error = error
    }
}

/// `GET /v1/subscriptions/{group}/dead-letters`.
public struct DeadLetterList: Codable, Sendable {
    public var deadLetters: [DeadLetter]
    /// Pass as `after` for the next page; nil on the last page.
    public var nextAfter: Int64?

    enum CodingKeys: String, CodingKey {
        case deadLetters = "dead_letters"
        case nextAfter = "next_after"
    }

    public init(deadLetters: [DeadLetter], nextAfter: Int64?) {
        self.deadLetters = deadLetters
        self.nextAfter = nextAfter
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(deadLetters, forKey: .deadLetters)
        try c.encode(nextAfter, forKey: .nextAfter)
    }
}

/// The answer to a replay request: how many dead letters were marked.
public struct ReplayResult: Codable, Sendable, Hashable {
    public var group: String
    public var replaying: Int

    public init(group: String, replaying: Int) {
        self.group = group
        self.replaying = replaying
    }
}
