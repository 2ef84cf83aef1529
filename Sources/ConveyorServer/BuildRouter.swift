import ConveyorCore
import Hummingbird
import Prometheus

/// Builds the router of the Conveyor HTTP API: the `/v1` job and queue endpoints,
/// `/healthz`, `/readyz` and `/metrics`.
///
/// Every error response is an RFC 9457 `application/problem+json` document. Request
/// bodies larger than ``ServerConfiguration/maxBodyBytes`` are refused with 413.
///
/// - Parameters:
///   - conveyor: The facade every handler calls.
///   - configuration: The body limit and the configured queue names.
///   - registry: Exported by `/metrics`; the queue-depth gauge is refreshed into it on each scrape.
public func buildRouter(
    conveyor: Conveyor, configuration: ServerConfiguration, registry: PrometheusCollectorRegistry
) -> Router<ConveyorRequestContext> {
    let router = Router(context: ConveyorRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Middleware applies only to routes added after it, so it goes first. The body limit
    // is outermost so the problem middleware sees it when it reports a 413.
    router.add(middleware: BodyLimitMiddleware(maxBodyBytes: configuration.maxBodyBytes))
    router.add(middleware: ProblemMiddleware())

    var routes = RouteTable(router: router)
    EnqueueRoute(conveyor: conveyor).register(in: &routes)
    JobRoutes(conveyor: conveyor).register(in: &routes)
    JobActionRoute(conveyor: conveyor).register(in: &routes)
    QueueRoutes(conveyor: conveyor, configuredQueues: configuration.queues).register(in: &routes)
    ConfigRoutes(conveyor: conveyor, configuredQueues: configuration.queues).register(in: &routes)
    HealthRoutes(conveyor: conveyor).register(in: &routes)
    MetricsRoute(conveyor: conveyor, configuredQueues: configuration.queues, registry: registry).register(in: &routes)
    routes.addMethodNotAllowedResponders()
    return router
}
