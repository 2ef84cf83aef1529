extension LogEvent {
    /// A circuit breaker opened: its job type and key stopped running (data: the ``Circuit``).
    public static let circuitOpened = "circuit.opened"
    /// A breaker closed, after a successful probe or an operator's reset.
    public static let circuitClosed = "circuit.closed"
    /// A queue was paused (data: `{"queue": …}`).
    public static let queuePaused = "queue.paused"
    public static let queueResumed = "queue.resumed"
}

/// The data of `queue.paused` and `queue.resumed`.
public struct QueueEventData: Codable, Sendable, Hashable {
    public var queue: String

    public init(queue: String) {
        self.queue = queue
    }
}
