import Foundation

/// A durable consumer group as `GET /v1/subscriptions` shows it: where it is in the log,
/// who consumes for it, and what it gave up on.
public struct ConsumerGroup: Codable, Sendable, Hashable {
    public var name: String
    /// The topic filter (exact or prefix wildcard).
    public var topic: String
    /// Set when the group reads one tenant's events only (triggers).
    public var tenant: String?
    /// Every event up to this id has been handled (or dead-lettered) by the group.
    public var cursor: Int64
    /// The log's head when read; with ``cursor``, how far behind the group is.
    public var head: Int64?
    /// `head - cursor`: ids not yet passed (an upper bound on events still to handle).
    public var lag: Int64?
    /// The consumer holding the lease, and until when; nil when nobody consumes.
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    /// Bumped each time another consumer takes the lease; writes carry it (fencing).
    public var fence: Int64
    /// Dead letters waiting (or being replayed).
    public var deadLetters: Int
    /// The last time the group found events pruned before it read them.
    public var lastGap: EventGap?
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case name, topic, tenant, cursor, head, lag, fence
        case leaseOwner = "lease_owner"
        case leaseExpiresAt = "lease_expires_at"
        case deadLetters = "dead_letters"
        case lastGap = "last_gap"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// Every field, nulls included, so clients see the same shape for every group.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(topic, forKey: .topic)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(cursor, forKey: .cursor)
        try c.encode(head, forKey: .head)
        try c.encode(lag, forKey: .lag)
        try c.encode(leaseOwner, forKey: .leaseOwner)
        try c.encode(leaseExpiresAt, forKey: .leaseExpiresAt)
        try c.encode(fence, forKey: .fence)
        try c.encode(deadLetters, forKey: .deadLetters)
        try c.encode(lastGap, forKey: .lastGap)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }

    public init(
        name: String, topic: String, tenant: String?, cursor: Int64, head: Int64? = nil, lag: Int64? = nil,
        leaseOwner: String?, leaseExpiresAt: Date?, fence: Int64, deadLetters: Int, lastGap: EventGap?, createdAt: Date,
        updatedAt: Date
    ) {
        self.name = name
        self.topic = topic
        self.tenant = tenant
        self.cursor = cursor
        self.head = head
        self.lag = lag
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.fence = fence
        self.deadLetters = deadLetters
        self.lastGap = lastGap
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Events a group never saw: the pruner removed ids `after+1 … through` before the group
/// read them (it fell behind the retention window). Recorded on the group and logged.
public struct EventGap: Codable, Sendable, Hashable {
    public var after: Int64
    public var through: Int64
    public var at: Date

    public init(after: Int64, through: Int64, at: Date) {
        self.after = after
        self.through = through
        self.at = at
    }
}

/// `GET /v1/subscriptions`.
public struct SubscriptionList: Codable, Sendable {
    public var subscriptions: [ConsumerGroup]

    public init(subscriptions: [ConsumerGroup]) {
        self.subscriptions = subscriptions
    }
}

/// What a consumer declares for its group.
public struct GroupRegistration: Sendable, Hashable {
    /// Where a new group's cursor starts; an existing group keeps its own.
    public enum Start: Sendable, Hashable {
        /// The oldest retained event.
        case earliest
        /// The head of the log: only events appended from now on.
        case latest
    }

    public var name: String
    public var topic: TopicFilter
    public var tenant: String?
    public var start: Start

    public init(name: String, topic: TopicFilter, tenant: String? = nil, start: Start = .latest) {
        self.name = name
        self.topic = topic
        self.tenant = tenant
        self.start = start
    }
}

/// A consumer's hold on its group: writes for the group apply only while the group's
/// row still names this owner with this fence.
public struct GroupLease: Sendable, Hashable {
    public var group: String
    public var owner: String
    public var fence: Int64
    /// The group's cursor when the lease was taken: where this consumer starts reading.
    public var cursor: Int64
    public var expiresAt: Date

    public init(group: String, owner: String, fence: Int64, cursor: Int64, expiresAt: Date) {
        self.group = group
        self.owner = owner
        self.fence = fence
        self.cursor = cursor
        self.expiresAt = expiresAt
    }
}
