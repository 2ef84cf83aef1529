import AsyncHTTPClient
import ConveyorCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The one way Conveyor calls out (`http` jobs and webhooks): every request's host is
/// judged by an ``OutboundTargetPolicy`` and the connection is made only to an address
/// that was checked, right before it is made.
///
/// - Names are resolved here, each address is checked, and the connection is pinned to a
///   checked address (``PinnedClients``), so a name that re-resolves between the check
///   and the connect cannot reach a refused address.
/// - Redirects are never followed by the HTTP client; ``send(_:followRedirects:deadline:logger:_:)``
///   follows them itself when asked, checking every hop.
/// - A refused or reset connection fails at once rather than being retried inside the
///   client until the deadline: the job's backoff decides when to try again.
/// - The pool per host is far larger than any worker's concurrency, so a request never
///   waits for a pooled connection and the attempt's time is the request's own.
public final class OutboundHTTPClient: Sendable {
    public let policy: OutboundTargetPolicy
    private let resolve: @Sendable (String) async -> [IPAddress]
    private let clients: PinnedClients

    /// At most this many redirects are followed when a request asks for it.
    public static let maxRedirects = 5
    /// Connections per host. Concurrency is bounded by the worker slots that send, so the
    /// pool must never be what limits it.
    public static let connectionsPerHost = 1024

    /// - Parameters:
    ///   - policy: Which targets may be called.
    ///   - connectTimeout: How long one connection attempt may take.
    ///   - resolve: Resolves a name to its addresses (tests substitute one to simulate
    ///     DNS rebinding).
    public init(
        policy: OutboundTargetPolicy, connectTimeout: Duration = .seconds(5),
        resolve: @escaping @Sendable (String) async -> [IPAddress] = TargetResolver.resolveOffThread
    ) {
        self.policy = policy
        self.resolve = resolve
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(Int64(connectTimeout.seconds * 1e9))))
        configuration.decompression = .disabled
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: Self.connectionsPerHost)
        configuration.connectionPool.retryConnectionEstablishment = false
        clients = PinnedClients(configuration: configuration)
    }

    /// Closes every connection. Requests after this fail. Required once a request was
    /// sent (AsyncHTTPClient insists on it); a client that never sent needs none.
    public func shutdown() async throws {
        await clients.shutdown()
    }

    /// Sends `request` and hands its response to `body`, which must finish reading it
    /// before it returns. With `followRedirects`, a 3xx with a `Location` is followed, up
    /// to ``maxRedirects`` hops, each checked like the first; the last response is handed
    /// over (a 3xx when the hops ran out).
    ///
    /// Throws ``OutboundHTTPError``: `refused` when a target is not allowed (nothing was
    /// sent), `connection` when no connection could be made or it broke, `timeout` when
    /// the deadline passed.
    public func send<T: Sendable>(
        _ request: HTTPClientRequest, followRedirects: Bool = false, deadline: NIODeadline, logger: Logger? = nil,
        _ body: (HTTPClientResponse) async throws -> T
    ) async throws -> T {
        var request = request
        var hops = 0
        while true {
            let target: OutboundTarget
            do { target = try policy.target(url: request.url) } catch { throw OutboundHTTPError(.refused, error.description) }
            let (client, release) = try await client(for: target)
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, deadline: deadline, logger: logger)
            } catch {
                await release()
                throw OutboundHTTPError(classifying: error)
            }
            let status = Int(response.status.code)
            if followRedirects, hops < Self.maxRedirects, [301, 302, 303, 307, 308].contains(status),
                let location = response.headers.first(name: "location"),
                let next = URL(string: location, relativeTo: target.url)?.absoluteURL
            {
                // Drop the body (this closes the connection if it is large) and go on.
                _ = try? await response.body.collect(upTo: 64 * 1024)
                await release()
                request = Self.redirected(request, from: target.url, to: next, status: status)
                hops += 1
                continue
            }
            do {
                let result = try await body(response)
                await release()
                return result
            } catch {
                await release()
                throw error
            }
        }
    }

    /// The checked, pinned client for `target`, and how to give it back.
    private func client(for target: OutboundTarget) async throws -> (HTTPClient, @Sendable () async -> Void) {
        switch target.host {
        case .address(let address):
            // An address the client would also read as one connects there without DNS.
            // Other spellings (`127.1`) would go to the resolver, so they are pinned too.
            let bare = target.rawHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if IPAddress(bare) == address { return (try await clients.direct(), {}) }
            return try await pin(bare, to: address)
        case .name(let name):
            let addresses = await resolve(name)
            guard let first = addresses.first else { throw OutboundHTTPError(.connection, "\(name) does not resolve") }
            if let refusal = policy.refusal(host: target.host, resolved: addresses) {
                throw OutboundHTTPError(.refused, "\(name) \(refusal)")
            }
            return try await pin(target.rawHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), to: first)
        }
    }

    private func pin(_ host: String, to address: IPAddress) async throws -> (HTTPClient, @Sendable () async -> Void) {
        let clients = self.clients
        let client = try await clients.checkOut(host: host, address: address)
        return (client, { await clients.checkIn(host: host, address: address) })
    }

    /// The request for the next hop: 303, and 301/302 after anything but GET or HEAD,
    /// become a GET without a body (as browsers do); 307 and 308 keep method and body.
    /// Credentials and signatures do not follow a redirect to another origin.
    static func redirected(_ request: HTTPClientRequest, from: URL, to next: URL, status: Int) -> HTTPClientRequest {
        var copy = request
        copy.url = next.absoluteString
        if status == 303 || ([301, 302].contains(status) && request.method != .GET && request.method != .HEAD) {
            copy.method = .GET
            copy.body = nil
            copy.headers.remove(name: "content-type")
            copy.headers.remove(name: "content-length")
        }
        let sameOrigin = from.scheme == next.scheme && from.host == next.host && from.port == next.port
        if !sameOrigin {
            // Credentials (resolved secrets included) and the signature were meant for the
            // first origin only.
            let dropped = Set(copy.headers.map { $0.name.lowercased() }.filter { SensitiveHeaders.isSensitive($0) || $0.hasPrefix("webhook-") })
            for name in dropped { copy.headers.remove(name: name) }
        }
        return copy
    }
}

/// Why an outbound request got no response.
public struct OutboundHTTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The target is not allowed; nothing was sent.
        case refused
        /// No connection could be made, or it broke before a response.
        case connection
        /// The deadline passed.
        case timeout
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    init(classifying error: any Error) {
        if let error = error as? OutboundHTTPError {
            self = error
            return
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                self.init(.timeout, "timed out")
                return
            case .connectTimeout:
                self.init(.connection, "connect timed out")
                return
            default: break
            }
        }
        self.init(.connection, String(describing: error))
    }

    public var description: String {
        kind == .refused ? "target refused: \(detail)" : detail
    }
}
