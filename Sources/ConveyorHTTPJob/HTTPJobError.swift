/// An `http` job attempt that failed in a way worth retrying: a connection error, a
/// timeout, or a 408, 429 or 5xx response without `Retry-After`. The job's backoff applies.
public struct HTTPJobError: Error, Sendable, CustomStringConvertible {
    /// The method and URL, e.g. `POST https://example.com/hook`.
    public var target: String
    /// The response status; nil when no response arrived.
    public var status: Int?
    /// The response excerpt, or what went wrong on the way.
    public var detail: String

    public init(target: String, status: Int?, detail: String) {
        self.target = target
        self.status = status
        self.detail = detail
    }

    public var description: String {
        if let status { return "\(target) responded \(status): \(detail)" }
        return "\(target) failed: \(detail)"
    }
}
