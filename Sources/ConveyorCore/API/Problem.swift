/// An RFC 9457 problem document (`application/problem+json`): every API error has
/// this shape, and says what was wrong and how to fix it.
public struct Problem: Codable, Sendable, Hashable, Error {
    /// One invalid field, for validation problems.
    public struct FieldError: Codable, Sendable, Hashable {
        public var field: String
        public var message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// A URN naming the kind of problem, e.g. `urn:conveyor:problem:validation`.
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var instance: String?
    public var errors: [FieldError]?
    /// For a validation problem: how many invalid fields were found beyond those in
    /// `errors`, which lists at most 100.
    public var errorsOmitted: Int?
    /// For a 403 over a missing scope: the scope the endpoint needs.
    public var requiredScope: String?
    /// For a 410 from the event log: the first event id still retained.
    public var oldestAvailableID: Int64?

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, instance, errors
        case errorsOmitted = "errors_omitted"
        case requiredScope = "required_scope"
        case oldestAvailableID = "oldest_available_id"
    }

    public init(
        type: String, title: String, status: Int, detail: String, instance: String? = nil, errors: [FieldError]? = nil,
        requiredScope: String? = nil
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
        self.errors = errors
        self.requiredScope = requiredScope
    }

    public static let contentType = "application/problem+json"

    public static func typeURN(_ code: String) -> String { "urn:conveyor:problem:\(code)" }
}
