import ArgumentParser
import ConveyorCore
import ServiceLifecycle

/// `conveyor worker`: workers and maintenance without the HTTP API, for scaling out.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run workers (and maintenance) without the HTTP API.")

    @OptionGroup var engine: EngineOptions

    func run() async throws {
        let queues = try engine.queueConfigurations()
        let runtime = try Runtime.bootstrap(options: engine)
        try await runtime.conveyor.store.migrate()
        let engineService = ConveyorEngine(conveyor: runtime.conveyor, queues: queues)
        runtime.logger.notice("conveyor worker started with database \(runtime.database)")
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: engineService)], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: runtime.logger))
        try await group.run()
    }
}
