import ArgumentParser
import ConveyorCore
import ConveyorServer
import Foundation

/// `serve`'s authentication options. Each flag has an environment variable; the flag
/// wins. Prefer the environment for the HS256 secret: flags show in `ps`.
struct AuthOptions: ParsableArguments {
    @Option(
        name: .customLong("auth"),
        help: "auto (auth when JWT is configured; dev mode on loopback), on (API keys, plus JWT when configured) or off (dev mode, loopback only) (env CONVEYOR_AUTH; default auto).")
    var mode: String?

    @Option(name: .customLong("jwt-hs256-secret"), help: "Shared secret for HS256 JWTs, at least 32 bytes (env CONVEYOR_JWT_HS256_SECRET).")
    var hs256Secret: String?

    @Option(name: .customLong("jwt-public-key-file"), help: "PEM public key (RSA for RS256, Ed25519 for EdDSA) for JWTs (env CONVEYOR_JWT_PUBLIC_KEY_FILE).")
    var publicKeyFile: String?

    @Option(name: .customLong("jwks-file"), help: "JSON Web Key Set file for JWTs; keys are chosen by kid (env CONVEYOR_JWKS_FILE).")
    var jwksFile: String?

    @Option(name: .customLong("jwt-issuer"), help: "Required iss of JWTs (env CONVEYOR_JWT_ISSUER).")
    var issuer: String?

    @Option(name: .customLong("jwt-audience"), help: "Required aud of JWTs; needed with any JWT key (env CONVEYOR_JWT_AUDIENCE).")
    var audience: String?

    @Option(name: .customLong("jwt-tenant-claim"), help: "The claim naming the tenant (env CONVEYOR_JWT_TENANT_CLAIM; default tenant).")
    var tenantClaim: String?

    @Option(name: .customLong("jwt-scopes-claim"), help: "The claim listing scopes, space-separated or an array (env CONVEYOR_JWT_SCOPES_CLAIM; default scope).")
    var scopesClaim: String?

    @Flag(name: .customLong("no-bootstrap-key"), help: "Do not print a bootstrap admin key when none exists (env CONVEYOR_NO_BOOTSTRAP_KEY=1).")
    var noBootstrapKey = false

    private var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The JWT settings, or nil when no JWT option is given.
    func jwtSettings() throws -> JWTSettings? {
        var keys: [JWTSettings.KeySource] = []
        if let secret = hs256Secret ?? environment["CONVEYOR_JWT_HS256_SECRET"], !secret.isEmpty {
            keys.append(.hs256(secret: secret))
        }
        if let path = publicKeyFile ?? environment["CONVEYOR_JWT_PUBLIC_KEY_FILE"], !path.isEmpty {
            keys.append(try JWTSettings.publicKeyFile(path))
        }
        if let path = jwksFile ?? environment["CONVEYOR_JWKS_FILE"], !path.isEmpty {
            keys.append(try JWTSettings.jwksFile(path))
        }
        let audience = audience ?? environment["CONVEYOR_JWT_AUDIENCE"]
        let issuer = issuer ?? environment["CONVEYOR_JWT_ISSUER"]
        guard !keys.isEmpty else {
            if audience != nil || issuer != nil {
                throw ValidationError("--jwt-audience/--jwt-issuer need a JWT key: --jwt-hs256-secret, --jwt-public-key-file or --jwks-file.")
            }
            return nil
        }
        guard let audience, !audience.isEmpty else {
            throw ValidationError("JWT verification needs --jwt-audience (env CONVEYOR_JWT_AUDIENCE): the aud this server accepts.")
        }
        return JWTSettings(
            keys: keys, issuer: issuer, audience: audience,
            tenantClaim: tenantClaim ?? environment["CONVEYOR_JWT_TENANT_CLAIM"] ?? "tenant",
            scopesClaim: scopesClaim ?? environment["CONVEYOR_JWT_SCOPES_CLAIM"] ?? "scope")
    }

    func requestedMode() throws -> AuthConfiguration.Request {
        let text = mode ?? environment["CONVEYOR_AUTH"] ?? "auto"
        guard let request = AuthConfiguration.Request(rawValue: text.lowercased()) else {
            throw ValidationError("Unknown --auth '\(text)'. Use auto, on or off.")
        }
        return request
    }

    /// The server's auth configuration for `host`, and why it was chosen; refuses a
    /// configuration that would leave a network-facing API open.
    func configuration(host: String) async throws -> (auth: AuthConfiguration, reason: String) {
        let settings = try jwtSettings()
        let requested = try requestedMode()
        let decision: (enforced: Bool, reason: String)
        do {
            decision = try AuthConfiguration.resolveMode(requested: requested, jwtConfigured: settings != nil, host: host)
        } catch {
            throw ValidationError(error.message)
        }
        guard decision.enforced else { return (.development, decision.reason) }
        var verifier: JWTVerifier?
        if let settings {
            do {
                verifier = try await JWTVerifier(settings: settings)
            } catch let error as AuthConfigurationError {
                throw ValidationError(error.message)
            }
        }
        let bootstrap = !(noBootstrapKey || environment["CONVEYOR_NO_BOOTSTRAP_KEY"] == "1")
        return (.enforced(jwt: verifier, onBootstrapKey: bootstrap ? Self.printBootstrapKey : nil), decision.reason)
    }

    /// Straight to stderr, not through the logger: the key must reach the operator once
    /// and never be copied into log storage with the other lines.
    @Sendable static func printBootstrapKey(_ secret: APIKeySecret, _ key: APIKey) {
        printError(
            """

            ======================= BOOTSTRAP ADMIN KEY (shown once) =======================
            \(secret.text)
            id \(key.id), tenant "\(key.tenant)", scopes: admin.
            It is printed because no active admin key exists. Keep it in a secret store now:
            only its hash is kept. Make your own keys with POST /v1/api-keys (or
            `conveyor admin create-key`), then revoke this one: DELETE /v1/api-keys/\(key.id).
            ================================================================================

            """)
    }
}
