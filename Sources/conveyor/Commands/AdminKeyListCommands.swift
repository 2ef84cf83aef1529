import ArgumentParser
import ConveyorCore
import Foundation

extension AdminCommand {
    /// `conveyor admin list-keys`: every key, newest first, without secrets.
    struct ListKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-keys", abstract: "List API keys (never their secrets).")

        @OptionGroup var db: DatabaseOptions

        @Option(help: "Only keys of this tenant.")
        var tenant: String?

        @Option(help: "Only keys starting with this prefix, e.g. cvk_AbCd.")
        var prefix: String?

        func run() async throws {
            let (tenant, prefix) = (self.tenant, self.prefix)
            let keys = try await db.withCredentials { try await $0.listAPIKeys(tenant: tenant, prefix: prefix) }
            try printJSON(APIKeyList(apiKeys: keys))
        }
    }

    /// `conveyor admin revoke-key ID`: for a leaked key when no admin key is at hand.
    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke-key", abstract: "Revoke an API key by id.")

        @OptionGroup var db: DatabaseOptions

        @Argument(help: "The key's id (see list-keys).")
        var id: String

        func run() async throws {
            let id = self.id
            guard let key = try await db.withCredentials({ try await $0.revokeAPIKey(id: id, at: Date()) }) else {
                printError("no API key has id '\(id)'; list them with `conveyor admin list-keys`")
                throw ExitCode.failure
            }
            try printJSON(key)
        }
    }
}
