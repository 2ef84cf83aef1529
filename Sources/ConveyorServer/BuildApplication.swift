import ConveyorCore
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// Builds the HTTP server application around ``buildRouter(conveyor:configuration:registry:)``.
///
/// - Parameters:
///   - services: Extra services run in the application's `ServiceGroup`, such as the
///     `ConveyorEngine`. They start before the HTTP server and, because a group shuts
///     down in reverse order, stop after it: no request reaches an engine that is draining.
///   - logger: The application's logger; each request logs through it with a request id.
public func buildApplication(
    conveyor: Conveyor, configuration: ServerConfiguration, registry: PrometheusCollectorRegistry,
    services: [any Service], logger: Logger
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(conveyor: conveyor, configuration: configuration, registry: registry),
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port)),
        services: services,
        logger: logger)
}
