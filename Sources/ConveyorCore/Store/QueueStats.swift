import Foundation

public struct QueueStats: Codable, Sendable, Hashable {
    public var queue: String
    /// Jobs per state; every state is present, zero when empty.
    public var counts: [String: Int]
    /// Seconds since the oldest queued job became due; nil when none is queued.
    public var oldestQueuedAgeSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case queue, counts
        case oldestQueuedAgeSeconds = "oldest_queued_age_seconds"
    }

    public init(queue: String, counts: [String: Int], oldestQueuedAgeSeconds: Double?) {
        self.queue = queue
        self.counts = counts
        self.oldestQueuedAgeSeconds = oldestQueuedAgeSeconds
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(queue, forKey: .queue)
        try c.encode(counts, forKey: .counts)
        try c.encode(oldestQueuedAgeSeconds, forKey: .oldestQueuedAgeSeconds)
    }
}
