import Hummingbird

/// The request context of the Conveyor API.
///
/// It exists so the body limit can be configured: Hummingbird's decoding helpers read
/// `maxUploadSize`, which ``BodyLimitMiddleware`` sets from ``ServerConfiguration/maxBodyBytes``.
public struct ConveyorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The largest request body a handler may collect, in bytes.
    public var maxUploadSize: Int

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.maxUploadSize = ServerConfiguration().maxBodyBytes
    }
}
