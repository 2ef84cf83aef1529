import ArgumentParser
import ConveyorCore
import ConveyorHTTPJob
import ServiceLifecycle

/// `conveyor worker`: workers and maintenance without the HTTP API, for scaling out.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run workers (and maintenance) without the HTTP API.")

    @OptionGroup var engine: EngineOptions

    @OptionGroup(title: "Triggers") var triggerOptions: TriggerOptions

    @OptionGroup(title: "Outbound webhooks") var webhookOptions: WebhookOptions

    @OptionGroup(title: "HTTP jobs") var httpJobOptions: HTTPJobOptions

    @Option(help: "A JSON config file read at start-up; a worker applies its queues and circuit_breakers (env CONVEYOR_CONFIG; see docs/flow-control.md).")
    var config: String?

    func run() async throws {
        let queues = try engine.queueConfigurations()
        let configFile = try ConfigFile.load(option: config)
        let outbound = OutboundHTTPClient(policy: httpJobOptions.policy(devMode: false))
        let handlers = try configFile.handlers(Runtime.builtInHandlers(client: outbound))
        let runtime = try Runtime.bootstrap(options: engine, handlers: handlers)
        let queueSettings = try runtime.configuredQueues(configFile)
        runtime.logger.notice("conveyor worker started with database \(runtime.database)")
        let triggers = try TriggerRunner(conveyor: runtime.conveyor, configured: triggerOptions.configured())
        let webhookSettings = try webhookOptions.settings(devMode: false)
        let webhooks: [any Service] = webhookOptions.enabled ? [runtime.webhookService(settings: webhookSettings)] : []
        let services = runtime.backend.services + [OutboundClientService(client: outbound), runtime.engine(queues: queues, settings: queueSettings), triggers] + webhooks
        try await BoundedShutdown.run(services, grace: queues.map(\.gracePeriod).max() ?? .seconds(25), logger: runtime.logger)
    }
}
