import ArgumentParser
import ConveyorCore
import Foundation

/// `--inbound-source NAME=SCHEME:SECRET_ENV_VAR[,option=value...]`: inbound webhook sources from configuration.
struct InboundOptions: ParsableArguments {
    @Option(
        name: .customLong("inbound-source"),
        help: ArgumentHelp(
            "Accept verified webhooks at POST /v1/inbound/NAME as events on inbound.NAME, as NAME=SCHEME:SECRET_ENV_VAR[,header=H,encoding=hex|base64,prefix=P,id-header=H,timestamp-header=H,tolerance=SECONDS,tenant=T]. SCHEME is standard-webhooks or hmac-sha256; the secret is read from the environment variable named, never given on the command line. Repeat for more (env CONVEYOR_INBOUND_SOURCES, separated by ';'). See docs/inbound-webhooks.md.",
            valueName: "spec"))
    var specs: [String] = []

    func configured() throws -> [InboundSource] {
        let environment = ProcessInfo.processInfo.environment
        let specs = self.specs.isEmpty
            ? (environment["CONVEYOR_INBOUND_SOURCES"]?.split(separator: ";").map(String.init) ?? []) : self.specs
        do {
            var sources: [InboundSource] = []
            for spec in specs {
                let source = try InboundSource(parsing: spec, environment: environment)
                if sources.contains(where: { $0.name == source.name }) {
                    throw ValidationError("--inbound-source names '\(source.name)' twice.")
                }
                sources.append(source)
            }
            return sources
        } catch let error as ConveyorError {
            throw ValidationError(error.message)
        }
    }
}
