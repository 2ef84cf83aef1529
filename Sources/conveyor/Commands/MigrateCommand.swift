import ArgumentParser
import ConveyorCore
import Logging

/// `conveyor migrate`: applies pending schema migrations and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations.")

    @OptionGroup var engine: EngineOptions

    func run() async throws {
        let database = try engine.databaseLocation()
        let backend = try database.openBackend(logger: Logger(label: "conveyor.migrate"))
        let credentials = try backend.requireCredentials()
        try await backend.withServices {
            try await backend.lifecycle.migrate()
            try await credentials.prepareCredentials()
        }
        print("migrations applied to \(database)")
    }
}
