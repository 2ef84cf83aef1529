/// Thrown by an event handler when retrying cannot help (the event is malformed for this
/// consumer): the event goes to the group's dead letters at once, without the remaining
/// attempts and their backoff.
public struct DeadLetterNow: Error, Sendable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
