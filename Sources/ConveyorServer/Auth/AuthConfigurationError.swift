/// Auth configuration that cannot work, with what to change. Raised before the server
/// starts, never while serving.
public struct AuthConfigurationError: Error, CustomStringConvertible, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
