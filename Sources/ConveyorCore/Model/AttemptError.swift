import Foundation

/// One failed attempt, as kept in a job's `errors` list.
public struct AttemptError: Codable, Sendable, Hashable {
    public var attempt: Int
    public var message: String
    public var type: String
    public var at: Date

    public init(attempt: Int, message: String, type: String, at: Date) {
        self.attempt = attempt
        self.message = message
        self.type = type
        self.at = at
    }
}
