import Foundation

/// Filters and a cursor for listing jobs, newest first.
public struct JobQuery: Sendable, Hashable {
    public var queue: String?
    public var state: JobState?
    public var type: String?
    public var tenant: String?
    public var tag: String?
    public var limit: Int
    /// The last id of the previous page.
    public var cursor: String?

    public init(
        queue: String? = nil, state: JobState? = nil, type: String? = nil, tenant: String? = nil,
        tag: String? = nil, limit: Int = 50, cursor: String? = nil
    ) {
        self.queue = queue
        self.state = state
        self.type = type
        self.tenant = tenant
        self.tag = tag
        self.limit = limit
        self.cursor = cursor
    }
}

public struct JobPage: Codable, Sendable {
    public var jobs: [Job]
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case jobs
        case nextCursor = "next_cursor"
    }

    public init(jobs: [Job], nextCursor: String?) {
        self.jobs = jobs
        self.nextCursor = nextCursor
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jobs, forKey: .jobs)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}
