/// Bounds on connections that hold the server without using it: slow or silent clients
/// (slowloris). Before these, 1,100 half-sent requests made `/healthz` unreachable.
///
/// The defaults keep a single attacker from exhausting the server: a request head must
/// arrive within ``headerReadTimeout`` of its first byte, a connection with nothing to do
/// is closed after ``idleTimeout``, and once ``maxConnections`` are open a new connection
/// displaces the one that has waited longest without a request in progress, so a
/// half-sent request never keeps a real one out. Connections busy with a request (an
/// event stream, say) are never displaced; when every one is busy, new ones are refused.
public struct ConnectionLimits: Sendable, Hashable {
    /// The most connections open at once on one listener. Kept well under a typical
    /// process file limit (1,024), so the store and outbound requests keep their descriptors.
    public var maxConnections: Int
    /// How long a connection may stay open with no request in progress and nothing
    /// received, and how long a request's body may pause between bytes.
    public var idleTimeout: Duration
    /// How long a request head (request line and headers) may take from its first byte
    /// to its last; a slower one is closed.
    public var headerReadTimeout: Duration

    public static let defaultMaxConnections = 512
    public static let defaultIdleTimeout: Duration = .seconds(60)
    public static let defaultHeaderReadTimeout: Duration = .seconds(10)

    public init(
        maxConnections: Int = Self.defaultMaxConnections, idleTimeout: Duration = Self.defaultIdleTimeout,
        headerReadTimeout: Duration = Self.defaultHeaderReadTimeout
    ) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.headerReadTimeout = headerReadTimeout
    }
}
