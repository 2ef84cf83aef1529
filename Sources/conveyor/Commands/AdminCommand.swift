import ArgumentParser
import ConveyorCore
import Foundation
import Logging

/// `conveyor admin ...`: credential chores done straight on the database, for the first
/// admin key and for when no admin key is at hand.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Create, list and revoke API keys directly in the database.",
        subcommands: [CreateKey.self, ListKeys.self, RevokeKey.self])
}

/// Where the admin commands find the database: the same flag and variable as `serve`.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "A SQLite file path, sqlite:PATH, or postgres://… (env CONVEYOR_DATABASE_URL; default ./conveyor.sqlite).")
    var database: String?

    /// Runs `body` with the migrated credential store (and the job store it shares a database with).
    func withCredentials<T: Sendable>(_ body: @Sendable (any CredentialStore) async throws -> T) async throws -> T {
        let location = try DatabaseLocation(
            database ?? ProcessInfo.processInfo.environment["CONVEYOR_DATABASE_URL"] ?? DatabaseLocation.defaultPath)
        var logger = Logger(label: "conveyor.admin")
        logger.logLevel = .warning
        let backend = try location.openBackend(logger: logger)
        let credentials = try backend.requireCredentials()
        return try await backend.withServices {
            try await backend.lifecycle.migrate()
            try await credentials.prepareCredentials()
            return try await body(credentials)
        }
    }
}
