import AsyncHTTPClient
import ConveyorCore

/// Inbound webhook sources (admin). Senders post to `/v1/inbound/{source}` themselves.
extension ConveyorClient {
    /// Creates or replaces a source; it comes back with its secret masked.
    @discardableResult
    public func putInboundSource(_ request: InboundSourceRequest, name: String) async throws -> InboundSource {
        try await send(.PUT, Self.inboundSourcePath(name), body: request).decode(InboundSource.self)
    }

    /// Every source, from the server's flags and from the API, secrets masked.
    public func inboundSources() async throws -> [InboundSource] {
        try await allPages { cursor in
            let page = try await inboundSources(limit: Self.largestPage, cursor: cursor)
            return (page.sources, page.nextCursor)
        }
    }

    public func deleteInboundSource(name: String) async throws {
        _ = try await send(.DELETE, Self.inboundSourcePath(name))
    }

    private static func inboundSourcePath(_ name: String) -> String {
        "/v1/inbound-sources/\(PercentEncoding.encode(name))"
    }
}
