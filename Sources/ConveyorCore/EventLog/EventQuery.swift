/// Filters and a position for reading the event log in sequence order.
public struct EventQuery: Sendable, Hashable {
    /// Read events with a larger id; nil starts at the oldest event retained.
    public var after: Int64?
    public var topic: TopicFilter?
    public var tenant: String?
    /// Only events about this entity (a job id).
    public var key: String?
    public var limit: Int

    public init(after: Int64? = nil, topic: TopicFilter? = nil, tenant: String? = nil, key: String? = nil, limit: Int = 100) {
        self.after = after
        self.topic = topic
        self.tenant = tenant
        self.key = key
        self.limit = limit
    }
}

/// A page of the event log.
public struct EventPage: Codable, Sendable {
    public var events: [LogEvent]
    /// Where the next read continues: the last event's id when the page is full, else the
    /// ``head``, so a filtered reader does not scan the same non-matching events again.
    public var nextAfter: Int64
    /// Every event with an id up to this one was visible to the read: the log is complete
    /// through here. Beyond it a transaction may still commit events.
    public var head: Int64
    /// The largest id the pruner has removed; a reader positioned below it missed events.
    public var prunedThrough: Int64

    enum CodingKeys: String, CodingKey {
        case events
        case nextAfter = "next_after"
    }

    public init(events: [LogEvent], nextAfter: Int64, head: Int64, prunedThrough: Int64) {
        self.events = events
        self.nextAfter = nextAfter
        self.head = head
        self.prunedThrough = prunedThrough
    }

    /// The page a store returns for `query`, given the matching events it read (at most
    /// `query.limit`, in id order) and the log's complete-through point.
    public init(query: EventQuery, events: [LogEvent], head: Int64, prunedThrough: Int64) {
        let after = query.after ?? 0
        let full = events.count >= query.limit && !events.isEmpty
        self.init(
            events: events, nextAfter: full ? events[events.count - 1].id : max(after, head, events.last?.id ?? 0),
            head: head, prunedThrough: prunedThrough)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        events = try c.decode([LogEvent].self, forKey: .events)
        nextAfter = try c.decode(Int64.self, forKey: .nextAfter)
        head = nextAfter
        prunedThrough = 0
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(events, forKey: .events)
        try c.encode(nextAfter, forKey: .nextAfter)
    }
}
