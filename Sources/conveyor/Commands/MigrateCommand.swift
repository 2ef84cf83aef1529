import ArgumentParser
import ConveyorCore

/// `conveyor migrate`: applies pending schema migrations and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations.")

    @OptionGroup var engine: EngineOptions

    func run() async throws {
        let database = try engine.databaseLocation()
        let store = try database.openStore()
        try await store.migrate()
        print("migrations applied to \(database)")
    }
}
