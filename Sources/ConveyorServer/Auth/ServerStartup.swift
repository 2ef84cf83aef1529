import ConveyorCore
import Foundation
import Logging
import ServiceLifecycle

/// What runs once before the API listens: refuse unsafe auth configuration, create the
/// credential tables, announce dev mode, and mint the bootstrap admin key.
struct ServerStartup: Sendable {
    let conveyor: Conveyor
    let host: String
    let auth: AuthConfiguration
    let logger: Logger

    func run() async throws {
        if auth.isDevelopment {
            // Checked here as well as in the CLI, so an embedding program cannot open an
            // unauthenticated API to the network by leaving `auth` at its default.
            guard AuthConfiguration.isLoopback(host) else {
                throw AuthConfigurationError(
                    "Refusing to serve on \(host) in dev mode (no authentication). Bind to 127.0.0.1, or pass AuthConfiguration.enforced(...).")
            }
            announceDevelopmentMode()
        } else if conveyor.credentials == nil && auth.jwt == nil {
            throw AuthConfigurationError(
                "Auth is enforced but nothing can authenticate: there is no credential store for API keys and no JWT verification.")
        }
        guard let credentials = conveyor.credentials else { return }
        try await prepare(credentials)
        if !auth.isDevelopment, let show = auth.onBootstrapKey {
            try await bootstrap(credentials, show: show)
        }
    }

    /// Retries while the database is unreachable, as the engine's migration does: a
    /// node that starts before its database should wait, not exit.
    private func prepare(_ credentials: any CredentialStore) async throws {
        var delay = Duration.milliseconds(500)
        while true {
            do {
                try await credentials.prepareCredentials()
                return
            } catch {
                try Task.checkCancellation()
                let wait = delay
                logger.loopFailure("preparing the credential tables failed; retrying", error: error, metadata: ["retry_in": "\(wait)"])
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                delay = min(delay * 2, .seconds(30))
            }
        }
    }

    private func bootstrap(
        _ credentials: any CredentialStore, show: @Sendable (APIKeySecret, APIKey) -> Void
    ) async throws {
        let secret = APIKeySecret()
        let now = conveyor.clock.now()
        let key = secret.hashedKey(name: "bootstrap", tenant: Tenant.defaultID, scopes: [.admin], createdAt: now)
        if try await credentials.insertBootstrapAPIKey(key, now: now) {
            logger.notice("bootstrap admin key created", metadata: ["key": "\(key.key.id)", "prefix": "\(key.key.prefix)"])
            show(secret, key.key)
        }
    }

    private func announceDevelopmentMode() {
        let banner = """

            ************************************************************************
            *  DEV MODE: authentication is OFF.                                    *
            *  Every request acts as admin of tenant "default".                    *
            *  Serving on \(host.padding(toLength: 57, withPad: " ", startingAt: 0))*
            *  http jobs and webhooks may call loopback addresses (dev mode only). *
            *  Enable auth (--auth on, or --jwt-...) before exposing this server.  *
            ************************************************************************
            """
        logger.warning("\(banner)")
    }
}
