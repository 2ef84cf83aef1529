import ConveyorCore
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// Builds the HTTP server application around
/// ``buildRouter(conveyor:configuration:registry:auth:events:)``, plus a second server for the
/// probes when ``ServerConfiguration/internalPort`` is set.
///
/// Before the server accepts requests it checks the auth configuration (dev mode only
/// on loopback), creates the credential tables, and with enforced auth makes a bootstrap
/// admin key when none exists. A refused configuration makes the application's `run()`
/// throw before anything listens.
///
/// - Parameters:
///   - services: Extra services run in the application's `ServiceGroup`, such as the
///     `ConveyorEngine`. They start before the HTTP server and, because a group shuts
///     down in reverse order, stop after it: no request reaches an engine that is draining.
///   - logger: The application's logger; each request logs through it with a request id.
///   - auth: Dev mode by default, for embedding on loopback; see ``AuthConfiguration``.
public func buildApplication(
    conveyor: Conveyor, configuration: ServerConfiguration, registry: PrometheusCollectorRegistry,
    services: [any Service], logger: Logger, auth: AuthConfiguration = .development
) -> some ApplicationProtocol {
    // One tailer per process feeds every event stream; it runs with the caller's services.
    let events = EventTailer(conveyor: conveyor)
    var services = services + [events]
    if let internalPort = configuration.internalPort {
        // After the caller's services: it starts after them and, in reverse at shutdown,
        // stops only once the main server has, so probes answer until the very end.
        services.append(
            Application(
                router: buildInternalRouter(conveyor: conveyor, configuration: configuration, registry: registry),
                server: .guarded(ConnectionGuard(limits: configuration.connections)),
                configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: internalPort)),
                logger: logger))
    }
    var app = Application(
        router: buildRouter(conveyor: conveyor, configuration: configuration, registry: registry, auth: auth, events: events),
        server: .guarded(ConnectionGuard(limits: configuration.connections)),
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port)),
        services: services,
        logger: logger)
    let startup = ServerStartup(conveyor: conveyor, host: configuration.host, auth: auth, logger: logger)
    app.beforeServerStarts { try await startup.run() }
    return app
}
