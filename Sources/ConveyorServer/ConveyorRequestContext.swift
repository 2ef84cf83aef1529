import ConveyorCore
import Hummingbird

/// The request context of the Conveyor API.
///
/// It carries the body limit, which Hummingbird's decoding helpers read as
/// `maxUploadSize` and ``BodyLimitMiddleware`` sets from
/// ``ServerConfiguration/maxBodyBytes``, and the caller that ``RouteTable`` established.
public struct ConveyorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The largest request body a handler may collect, in bytes.
    public var maxUploadSize: Int
    /// Who is calling; nil only on public routes.
    public var caller: Caller?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.maxUploadSize = ServerConfiguration().maxBodyBytes
        self.caller = nil
    }

    /// The caller of a route that requires one. Handlers pass it to every facade call,
    /// so a missing caller must fail rather than fall back to trusted, all-tenant access.
    func requireCaller() throws -> Caller {
        guard let caller else {
            throw ProblemError.internalError(requestID: logger[metadataKey: "hb.request.id"]?.description)
        }
        return caller
    }
}
