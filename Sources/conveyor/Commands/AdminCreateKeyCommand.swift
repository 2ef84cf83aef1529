import ArgumentParser
import ConveyorCore
import ConveyorServer
import Foundation

extension AdminCommand {
    /// `conveyor admin create-key`: prints a new key once, on stdout alone, so
    /// `KEY=$(conveyor admin create-key ...)` captures exactly the key.
    struct CreateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-key", abstract: "Create an API key and print it (once) on stdout.",
            discussion: """
                Example:
                  conveyor admin create-key --name ops --tenant default --scope admin
                  conveyor admin create-key --name billing --tenant acme --scope jobs:read --scope jobs:write --expires-in-days 90
                """)

        @OptionGroup var db: DatabaseOptions

        @Option(help: "A label for people, e.g. the service that uses the key.")
        var name: String

        @Option(help: "The tenant the key acts for; created (without limits) if missing.")
        var tenant: String = Tenant.defaultID

        @Option(name: .customLong("scope"), help: "A scope; repeat for several: \(Scope.known.map(\.rawValue).joined(separator: ", ")).")
        var scopes: [String]

        @Option(help: "Days until the key expires (default: never).")
        var expiresInDays: Double?

        mutating func validate() throws {
            do {
                try request(now: Date()).validate(now: Date())
            } catch let error as ConveyorError {
                throw ValidationError(error.message)
            }
        }

        func request(now: Date) throws -> CreateAPIKeyRequest {
            if let days = expiresInDays, days <= 0 { throw ValidationError("--expires-in-days must be > 0") }
            return CreateAPIKeyRequest(
                name: name, tenant: tenant, scopes: scopes.map(Scope.init(rawValue:)),
                expiresAt: expiresInDays.map { now.addingTimeInterval($0 * 86400) })
        }

        func run() async throws {
            let now = Date()
            let request = try request(now: now)
            let secret = APIKeySecret()
            let key = secret.hashedKey(
                name: request.name, tenant: request.tenant, scopes: request.scopes, createdAt: now, expiresAt: request.expiresAt)
            let createdTenant = try await db.withCredentials { store in
                var created = false
                if try await store.tenant(id: request.tenant) == nil {
                    _ = try await store.saveTenant(id: request.tenant, limits: TenantLimits(), now: now)
                    created = true
                }
                try await store.insertAPIKey(key)
                return created
            }
            if createdTenant { printError("created tenant '\(request.tenant)' (no limits)") }
            print(secret.text)
            printError(
                """
                API key \(key.key.id) for tenant '\(key.key.tenant)', scopes: \(key.key.scopes.map(\.rawValue).joined(separator: " "))\
                \(key.key.expiresAt.map { ", expires \(ConveyorJSON.formatDate($0))" } ?? "").
                Store it now: only its hash is kept, and it cannot be shown again.
                """)
        }
    }
}
