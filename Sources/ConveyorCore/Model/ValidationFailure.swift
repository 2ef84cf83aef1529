/// A client sent a value that Conveyor cannot accept. `field` is the JSON path of the
/// culprit (`jobs[3].max_attempts`), `message` says what would be accepted.
public struct ValidationFailure: Error, Sendable, Hashable {
    public var field: String
    public var message: String

    /// The most failures one answer lists; the rest are counted (`errors_omitted`). A
    /// 200 KB event failing a schema once produced 200,000 failures and a 22 MB answer.
    public static let listLimit = 100

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    /// The same failure, reported inside a larger document.
    public func nested(under prefix: String) -> ValidationFailure {
        ValidationFailure(prefix + (field.isEmpty || field.hasPrefix("[") ? "" : ".") + field, message)
    }
}
