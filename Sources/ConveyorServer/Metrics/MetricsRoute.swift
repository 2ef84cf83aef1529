import ConveyorCore
import Hummingbird
import Prometheus

/// `GET /metrics`: everything in the Prometheus registry, in the text exposition format.
struct MetricsRoute {
    static let contentType = "text/plain; version=0.0.4"

    let conveyor: Conveyor
    let configuredQueues: [String]
    let registry: PrometheusCollectorRegistry
    let depth: QueueDepthGauges

    init(conveyor: Conveyor, configuredQueues: [String], registry: PrometheusCollectorRegistry) {
        self.conveyor = conveyor
        self.configuredQueues = configuredQueues
        self.registry = registry
        self.depth = QueueDepthGauges(registry: registry)
    }

    func register(in routes: inout RouteTable) {
        routes.on(.get, "/metrics", use: scrape)
    }

    @Sendable func scrape(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        do {
            depth.update(try await conveyor.queueStats().including(configured: configuredQueues), label: conveyor.queueNames.label(for:))
        } catch {
            // The engine's counters are still worth a scrape while the store is away;
            // /readyz is what reports the store's health.
            context.logger.loopFailure("queue depth refresh failed", error: error)
        }
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        var headers = HTTPFields()
        headers[.contentType] = Self.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
