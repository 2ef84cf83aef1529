import AsyncHTTPClient
import ConveyorCore
import ConveyorHTTPJob
import Foundation
import Logging
import Metrics
import Prometheus

/// What `serve` and `worker` share: logging, metrics, the store and the handlers.
struct Runtime {
    let conveyor: Conveyor
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    let database: DatabaseLocation
    let backend: Backend
    let maintenance: MaintenanceConfiguration

    /// Sets up the process once: logging and metrics are global in Swift's server libraries.
    /// - Parameter handlers: The job types this process runs (the config file's circuit
    ///   breakers applied); the built-in ones by default.
    static func bootstrap(options: EngineOptions, handlers: JobRegistry) throws -> Runtime {
        let level = try options.logLevelValue()
        let maintenance = try options.maintenanceConfiguration()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "conveyor")
        let database = try options.databaseLocation()
        let backend = try database.openBackend(logger: logger)
        let conveyor = Conveyor(
            backend: backend, registry: handlers, metricsFactory: MetricsSystem.factory, logger: logger,
            maxQueues: try options.maxQueuesValue())
        return Runtime(
            conveyor: conveyor, registry: registry, logger: logger, database: database, backend: backend,
            maintenance: maintenance)
    }

    /// The engine for `queues`, migrating the store and applying `settings` before its workers start.
    func engine(queues: [QueueWorkerConfiguration], settings: ConfiguredQueues?) -> ConveyorEngine {
        let owner = ConveyorEngine.defaultOwner()
        return ConveyorEngine(
            conveyor: conveyor, queues: queues, maintenance: maintenance, elector: backend.elector(holder: owner, role: "maintenance"),
            migrateOnStart: true, owner: owner, queueSettings: settings)
    }

    /// The job types every Conveyor binary can run, with `http` jobs sending through `client`.
    static func builtInHandlers(client: OutboundHTTPClient) -> JobRegistry {
        var registry = JobRegistry()
        registry.register(HTTPJob(client: client))
        return registry
    }
}
