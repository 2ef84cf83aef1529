import Foundation

/// A job type that no Swift handler in this process runs: a remote worker declared it at
/// registration, or an operator with `PUT /v1/job-types/{type}`. Declared types may be
/// enqueued like registered ones; their defaults fill what a request leaves out, and a
/// payload schema, when there is one, is checked at enqueue.
public struct DeclaredJobType: Sendable, Hashable {
    public var type: String
    public var defaults: JobDefaults
    /// A JSON Schema (the subset topic schemas use) every payload must meet; nil for none.
    public var payloadSchema: JSONValue?
    /// Who declared it last: `api`, or `worker:NAME`.
    public var declaredBy: String
    public var updatedAt: Date

    public init(type: String, defaults: JobDefaults, payloadSchema: JSONValue?, declaredBy: String, updatedAt: Date) {
        self.type = type
        self.defaults = defaults
        self.payloadSchema = payloadSchema
        self.declaredBy = declaredBy
        self.updatedAt = updatedAt
    }
}
