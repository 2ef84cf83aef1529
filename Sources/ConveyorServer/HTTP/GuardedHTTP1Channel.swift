import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 channel with ``ConnectionLimits`` applied: its idle timeout, plus
/// the watch handlers and the ``ConnectionGuard`` for the header deadline and the
/// connection limit, which Hummingbird does not offer in this form (its own limit stops
/// accepting, so a slowloris at the limit would lock everyone out).
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let connections: ConnectionGuard

    struct Refused: Error, CustomStringConvertible {
        var description: String { "connection refused: every connection is busy with a request" }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard connections.admit(channel) else { return channel.eventLoop.makeFailedFuture(Refused()) }
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let watch = ConnectionWatch(channel: channel, connections: connections)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(ConnectionWatch.BytesHandler(watch), position: .first)
            let state = try pipeline.handler(type: HTTPConnectionStateHandler.self)
            try pipeline.addHandler(ConnectionWatch.PartsHandler(watch), position: .before(state))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// An HTTP/1 server whose connections obey `connections`' limits.
    static func guarded(_ connections: ConnectionGuard) -> HTTPServerBuilder {
        .init { responder in
            GuardedHTTP1Channel(
                inner: HTTP1Channel(
                    responder: responder,
                    configuration: .init(idleTimeout: TimeAmount(connections.limits.idleTimeout))),
                connections: connections)
        }
    }
}
