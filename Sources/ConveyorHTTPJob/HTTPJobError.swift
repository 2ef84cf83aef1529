import ConveyorCore

/// An `http` job attempt that failed in a way worth retrying: a connection error, a
/// timeout, a refused target, an unfollowed redirect, or a 408, 429 or 5xx response
/// without `Retry-After`. The job's backoff applies.
public struct HTTPJobError: Error, Sendable, CustomStringConvertible, CategorizedError {
    /// The method and URL, e.g. `POST https://example.com/hook`.
    public var target: String
    /// The response status; nil when no response arrived.
    public var status: Int?
    /// The response excerpt, or what went wrong on the way.
    public var detail: String
    /// What kind of failure, recorded as the attempt's error type: `connection`,
    /// `timeout`, `refused` (the target policy), `redirect` or `status`.
    public var kind: String

    public init(target: String, status: Int?, detail: String, kind: String? = nil) {
        self.target = target
        self.status = status
        self.detail = detail
        self.kind = kind ?? (status == nil ? "connection" : "status")
    }

    public var category: String { kind }

    public var description: String {
        if let status { return "\(target) responded \(status): \(detail)" }
        return "\(target) failed: \(detail)"
    }
}
