import Foundation

/// A topic's registered JSON Schema (`PUT /v1/topics/{topic}/schema`): every event
/// published on the topic must match it. Only the subset ``JSONSchema`` enforces is
/// accepted; a schema using any other keyword is refused when registered.
public struct TopicSchema: Codable, Sendable, Hashable {
    public var topic: String
    public var schema: JSONValue
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case topic, schema
        case updatedAt = "updated_at"
    }

    public init(topic: String, schema: JSONValue, updatedAt: Date) {
        self.topic = topic
        self.schema = schema
        self.updatedAt = updatedAt
    }
}
