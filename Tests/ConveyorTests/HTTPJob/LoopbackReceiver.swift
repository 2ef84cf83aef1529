import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A real HTTP server on 127.0.0.1 with an ephemeral port, for tests that need a peer
/// on the other end of a socket. It records every request it receives.
final class LoopbackReceiver: Sendable {
    struct Received: Sendable {
        var method: String
        /// Path and query, e.g. `/hook?x=1`.
        var target: String
        /// Each header's values, keyed by lowercased name.
        var headers: [String: [String]]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers[name.lowercased()]?.first }
    }

    typealias Respond = @Sendable (Received) async throws -> Response

    private let log = Mutex<[Received]>([])
    let port: Int

    private init(port: Int) {
        self.port = port
    }

    /// Requests received so far, in arrival order.
    var received: [Received] { log.withLock { $0 } }

    /// `http://127.0.0.1:<port>` followed by `path`.
    func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Runs a receiver for the duration of `body`, answering every request with `respond`.
    static func with<T: Sendable>(
        _ respond: @escaping Respond, _ body: @Sendable (LoopbackReceiver) async throws -> T
    ) async throws -> T {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let receiverBox = Mutex<LoopbackReceiver?>(nil)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let bytes = try await request.body.collect(upTo: 16 * 1024 * 1024)
            var headers: [String: [String]] = [:]
            for field in request.headers { headers[field.name.canonicalName, default: []].append(field.value) }
            let received = Received(
                method: request.method.rawValue, target: request.uri.description, headers: headers,
                body: Array(bytes.readableBytesView))
            receiverBox.withLock { $0 }?.log.withLock { $0.append(received) }
            return try await respond(received)
        }
        var logger = Logger(label: "loopback-receiver")
        logger.logLevel = .critical
        let app = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                if let port = channel.localAddress?.port { portContinuation.yield(port) }
                portContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw ReceiverDidNotStart() }
            let receiver = LoopbackReceiver(port: port)
            receiverBox.withLock { $0 = receiver }
            defer { tasks.cancelAll() }
            return try await body(receiver)
        }
    }

    /// A loopback URL on which nothing listens: a receiver's port, after it has stopped.
    static func closedPortURL() async throws -> String {
        let port = try await with({ _ in Response(status: .ok) }) { $0.port }
        return "http://127.0.0.1:\(port)/gone"
    }
}

struct ReceiverDidNotStart: Error {}

extension Response {
    /// A response with a text body, for receivers.
    static func text(_ status: Int, _ text: String, headers: HTTPFields = [:]) -> Response {
        Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
