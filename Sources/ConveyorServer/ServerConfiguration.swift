import ConveyorCore

/// How the HTTP server listens and what it accepts.
public struct ServerConfiguration: Sendable {
    /// The address to bind. The default keeps the API off the network until an operator opts in.
    public var host: String
    public var port: Int
    /// The largest request body accepted, in bytes; a larger one is answered with 413.
    public var maxBodyBytes: Int
    /// The queue names this deployment runs. They appear in `GET /v1/queues` and in
    /// `GET /v1/config/job-options` even before any job has used them.
    public var queues: [String]
    /// A second port, on the same host, serving `/healthz`, `/readyz` and `/metrics`
    /// without credentials; those routes then leave the main port. Nil keeps them on the
    /// main port, unauthenticated.
    public var internalPort: Int?
    /// How often `GET /v1/events/stream` sends a `: keep-alive` comment; proxies and
    /// clients close connections that stay silent too long.
    public var eventStreamKeepAlive: Duration
    /// Items buffered per stream client; a client that falls this far behind is
    /// disconnected (it resumes with `Last-Event-ID`).
    public var eventStreamBuffer: Int
    /// Outbound webhooks: the target allow-list, the rotation overlap, the retry schedule.
    public var webhooks: WebhookSettings = WebhookSettings()
    /// Inbound webhook sources from the server's flags (`--inbound-source`). They take
    /// precedence over sources stored through the API, and the API cannot change them.
    public var inboundSources: [InboundSource] = []
    /// Connection count, idle timeout and header-read deadline, on each listener.
    public var connections: ConnectionLimits = ConnectionLimits()
    /// Caps on open `GET /v1/events/stream` connections, per credential and in total.
    public var eventStreams: EventStreamLimits = EventStreamLimits()

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 1_048_576, queues: [String] = ["default"],
        internalPort: Int? = nil, eventStreamKeepAlive: Duration = .seconds(15), eventStreamBuffer: Int = 1000
    ) {
        self.eventStreamKeepAlive = eventStreamKeepAlive
        self.eventStreamBuffer = eventStreamBuffer
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.queues = queues
        self.internalPort = internalPort
    }
}
