import Logging
import ServiceLifecycle

/// Runs a process's services until SIGTERM or SIGINT, then stops them gracefully, in
/// reverse order: the engine hands running jobs back within its grace period and writes
/// every outcome. A service still running `margin` after that is cancelled rather than
/// waited on for ever. Seen after a PostgreSQL restart: a node sometimes never finished
/// its graceful shutdown (every thread idle, an await never resumed), and an orchestrator
/// would have had to kill it.
enum BoundedShutdown {
    /// Beyond the grace period: the engine's wait for handlers that ignore cancellation
    /// (10 s), and the services that stop after it.
    static let margin: Duration = .seconds(20)

    static func run(_ services: [any Service], grace: Duration, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = grace + margin
        try await ServiceGroup(configuration: configuration).run()
    }
}
