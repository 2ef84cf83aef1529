/// A client sent a value that Conveyor cannot accept. `field` is the JSON path of the
/// culprit (`jobs[3].max_attempts`), `message` says what would be accepted.
public struct ValidationFailure: Error, Sendable, Hashable {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    /// The same failure, reported inside a larger document.
    public func nested(under prefix: String) -> ValidationFailure {
        ValidationFailure(prefix + (field.isEmpty || field.hasPrefix("[") ? "" : ".") + field, message)
    }
}
