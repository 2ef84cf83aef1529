import AsyncHTTPClient
import ConveyorCore

/// The event bus: publishing, topic schemas, triggers, consumer groups and dead letters.
extension ConveyorClient {
    /// Publishes a custom event. `created` is false when its idempotency key matched an
    /// event published before, which is returned instead.
    public func publish(_ request: PublishEventRequest) async throws -> (event: LogEvent, created: Bool) {
        let response = try await send(.POST, "/v1/events", body: request)
        return (try response.decode(LogEvent.self), response.status == 201)
    }

    /// Registers or replaces the JSON Schema events on `topic` must match.
    @discardableResult
    public func putTopicSchema(_ schema: JSONValue, topic: String) async throws -> TopicSchema {
        try await send(.PUT, Self.schemaPath(topic), body: schema).decode(TopicSchema.self)
    }

    public func topicSchema(topic: String) async throws -> TopicSchema {
        try await send(.GET, Self.schemaPath(topic)).decode(TopicSchema.self)
    }

    public func deleteTopicSchema(topic: String) async throws {
        _ = try await send(.DELETE, Self.schemaPath(topic))
    }

    private static func schemaPath(_ topic: String) -> String {
        "/v1/topics/\(PercentEncoding.encode(topic))/schema"
    }

    public func createTrigger(_ request: TriggerRequest) async throws -> Trigger {
        try await send(.POST, "/v1/triggers", body: request).decode(Trigger.self)
    }

    public func triggers() async throws -> [Trigger] {
        try await allPages { cursor in
            let page = try await triggers(limit: Self.largestPage, cursor: cursor)
            return (page.triggers, page.nextCursor)
        }
    }

    public func deleteTrigger(id: String) async throws {
        _ = try await send(.DELETE, "/v1/triggers/\(PercentEncoding.encode(id))")
    }

    /// Every consumer group with its cursor, the log's head and the lag.
    public func subscriptions() async throws -> [ConsumerGroup] {
        try await send(.GET, "/v1/subscriptions").decode(SubscriptionList.self).subscriptions
    }

    /// One page of a group's dead letters, oldest first; pass `nextAfter` back for the next.
    public func deadLetters(group: String, after: Int64? = nil, limit: Int = 100) async throws -> DeadLetterList {
        var query = [("limit", String(limit))]
        if let after { query.append(("after", String(after))) }
        return try await send(.GET, "/v1/subscriptions/\(PercentEncoding.encode(group))/dead-letters", query: query)
            .decode(DeadLetterList.self)
    }

    /// Asks the group's consumer to deliver dead letter `id` again.
    @discardableResult
    public func replayDeadLetter(group: String, id: Int64) async throws -> ReplayResult {
        try await send(.POST, "/v1/subscriptions/\(PercentEncoding.encode(group))/dead-letters/\(id)/replay")
            .decode(ReplayResult.self)
    }

    /// Asks the group's consumer to deliver every dead letter again.
    @discardableResult
    public func replayDeadLetters(group: String) async throws -> ReplayResult {
        try await send(.POST, "/v1/subscriptions/\(PercentEncoding.encode(group))/dead-letters/replay").decode(ReplayResult.self)
    }
}
