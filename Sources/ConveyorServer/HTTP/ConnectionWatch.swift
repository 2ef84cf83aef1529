import NIOCore
import NIOHTTPTypes

/// One connection's progress, shared by its two watch handlers (both run on the
/// connection's event loop, so no lock): the header-read deadline, and whether a request
/// is in progress for the ``ConnectionGuard``.
final class ConnectionWatch {
    let channel: any Channel
    let connections: ConnectionGuard
    /// True from the connection's start and after each request's end, until the next head.
    private var awaitingHead = true
    private var headDeadline: Scheduled<Void>?
    private var requestsInProgress = 0

    init(channel: any Channel, connections: ConnectionGuard) {
        self.channel = channel
        self.connections = connections
    }

    /// Bytes arrived: the first ones of a request start its header deadline.
    func bytesArrived() {
        guard awaitingHead, headDeadline == nil else { return }
        let channel = channel
        headDeadline = channel.eventLoop.scheduleTask(in: TimeAmount(connections.limits.headerReadTimeout)) {
            channel.close(promise: nil)
        }
    }

    func headArrived() {
        awaitingHead = false
        headDeadline?.cancel()
        headDeadline = nil
        requestsInProgress += 1
        connections.busy(channel)
    }

    func requestEnded() {
        awaitingHead = true
    }

    func responseEnded() {
        requestsInProgress -= 1
        if requestsInProgress == 0 { connections.waiting(channel) }
    }

    func closed() {
        headDeadline?.cancel()
        headDeadline = nil
    }

    /// First in the pipeline: sees the raw bytes, before the HTTP decoder.
    final class BytesHandler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        let watch: ConnectionWatch

        init(_ watch: ConnectionWatch) { self.watch = watch }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            watch.bytesArrived()
            context.fireChannelRead(data)
        }

        func channelInactive(context: ChannelHandlerContext) {
            watch.closed()
            context.fireChannelInactive()
        }
    }

    /// After the HTTP codec: sees request heads and ends, and response ends.
    final class PartsHandler: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart
        typealias OutboundIn = HTTPResponsePart
        typealias OutboundOut = HTTPResponsePart
        let watch: ConnectionWatch

        init(_ watch: ConnectionWatch) { self.watch = watch }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head: watch.headArrived()
            case .end: watch.requestEnded()
            case .body: break
            }
            context.fireChannelRead(data)
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .end = unwrapOutboundIn(data) { watch.responseEnded() }
            context.write(data, promise: promise)
        }
    }
}
