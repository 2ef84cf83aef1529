import ArgumentParser
import ConveyorCore
import ConveyorHTTPJob
import ConveyorServer
import Foundation
import Hummingbird
import ServiceLifecycle

/// `conveyor serve`: the API, the workers and maintenance in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP API, the workers and maintenance in one process.")

    @OptionGroup var engine: EngineOptions

    @OptionGroup(title: "Triggers") var triggerOptions: TriggerOptions

    @OptionGroup(title: "Inbound webhooks") var inboundOptions: InboundOptions

    @OptionGroup(title: "Outbound webhooks") var webhookOptions: WebhookOptions

    @OptionGroup(title: "HTTP jobs") var httpJobOptions: HTTPJobOptions

    @OptionGroup(title: "Authentication") var auth: AuthOptions

    @OptionGroup(title: "Limits") var limits: LimitOptions

    @Option(help: "A JSON config file read at start-up, e.g. {\"schedules\": [...], \"queues\": {...}, \"circuit_breakers\": {...}} (env CONVEYOR_CONFIG; see docs/schedules.md, docs/flow-control.md).")
    var config: String?

    @Option(help: "The address to listen on (env CONVEYOR_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "The port to listen on (env CONVEYOR_PORT; default 8080).")
    var port: Int?

    @Option(help: "The largest request body accepted, in bytes (env CONVEYOR_MAX_BODY_BYTES; default 1048576).")
    var maxBodyBytes: Int?

    @Option(help: "A second port serving /healthz, /readyz and /metrics without auth; they then leave the main port (env CONVEYOR_INTERNAL_PORT; default: none, they stay on the main port).")
    var internalPort: Int?

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let host = self.host ?? env["CONVEYOR_HOST"] ?? "127.0.0.1"
        let port = try self.port ?? env["CONVEYOR_PORT"].map(parsePort) ?? 8080
        let maxBody = self.maxBodyBytes ?? env["CONVEYOR_MAX_BODY_BYTES"].flatMap(Int.init) ?? 1_048_576
        let internalPort = try self.internalPort ?? env["CONVEYOR_INTERNAL_PORT"].map(parsePort)
        // Decided before anything opens: a refused configuration exits with the reason.
        let (authConfiguration, authReason) = try await auth.configuration(host: host)
        let queues = try engine.queueConfigurations()
        let inboundSources = try inboundOptions.configured()
        let devMode = authConfiguration.isDevelopment
        let webhookSettings = try webhookOptions.settings(devMode: devMode)
        let configFile = try ConfigFile.load(option: config)
        let outbound = OutboundHTTPClient(policy: httpJobOptions.policy(devMode: devMode))
        let handlers = try configFile.handlers(Runtime.builtInHandlers(client: outbound))
        let runtime = try Runtime.bootstrap(options: engine, handlers: handlers)
        let schedules = try runtime.configuredSchedules(configFile)
        let queueSettings = try runtime.configuredQueues(configFile)
        // Every node runs the triggers; each trigger's group lease lets one deliver at a time.
        let triggers = try TriggerRunner(conveyor: runtime.conveyor, configured: triggerOptions.configured())
        // The store's services start first and stop last; /readyz says not ready until
        // the engine has migrated the schema.
        var configuration = ServerConfiguration(
            host: host, port: port, maxBodyBytes: maxBody, queues: queues.map(\.queue), internalPort: internalPort)
        configuration.inboundSources = inboundSources
        configuration.connections = try limits.connections()
        configuration.eventStreams = try limits.eventStreams()
        configuration.webhooks = webhookSettings
        let webhooks: [any Service] = webhookOptions.enabled ? [runtime.webhookService(settings: webhookSettings)] : []
        let app = buildApplication(
            conveyor: runtime.conveyor,
            configuration: configuration,
            registry: runtime.registry, services: runtime.backend.services + [OutboundClientService(client: outbound), runtime.engine(queues: queues, settings: queueSettings), triggers] + webhooks + schedules,
            logger: runtime.logger, auth: authConfiguration)
        runtime.logger.notice(
            "conveyor serving on http://\(host):\(port) with database \(runtime.database)",
            metadata: [
                "queues": "\(queues.map { "\($0.queue)=\($0.concurrency)" }.joined(separator: ","))",
                "auth": "\(devMode ? "off (dev mode)" : "on"): \(authReason)",
                "outbound": "\(devMode ? "http jobs and webhooks may call loopback (dev mode)" : "public addresses and --http-allow-host/--webhook-allow-host only")",
                "probes": "\(internalPort.map { "http://\(host):\($0)" } ?? "main port")",
            ])
        try await BoundedShutdown.run([app], grace: queues.map(\.gracePeriod).max() ?? .seconds(25), logger: runtime.logger)
    }

    private func parsePort(_ text: String) throws -> Int {
        guard let port = Int(text), (0...65535).contains(port) else {
            throw ValidationError("CONVEYOR_PORT and CONVEYOR_INTERNAL_PORT must be port numbers, got '\(text)'.")
        }
        return port
    }
}
