import ConveyorCore

/// How the API authenticates requests.
///
/// - ``development``: no credentials; every request acts as admin of tenant `default`.
///   Allowed only on a loopback address; the server refuses to start otherwise.
/// - ``enforced(jwt:onBootstrapKey:)``: every route but the health and metrics probes
///   needs an API key (from the credential store) or, when configured, a JWT.
public struct AuthConfiguration: Sendable {
    enum Mode: Sendable {
        case development
        case enforced
    }

    let mode: Mode
    let jwt: JWTVerifier?
    /// Called once with a new admin key when auth is enforced and no active admin key
    /// exists; nil skips the bootstrap key.
    let onBootstrapKey: (@Sendable (APIKeySecret, APIKey) -> Void)?

    public static let development = AuthConfiguration(mode: .development, jwt: nil, onBootstrapKey: nil)

    /// - Parameters:
    ///   - jwt: Verifies bearer JWTs; nil accepts API keys only.
    ///   - onBootstrapKey: Shows a first admin key to the operator (the CLI prints it to
    ///     stderr). Nil: no bootstrap key; make one with `conveyor admin create-key`.
    public static func enforced(
        jwt: JWTVerifier? = nil, onBootstrapKey: (@Sendable (APIKeySecret, APIKey) -> Void)? = nil
    ) -> AuthConfiguration {
        AuthConfiguration(mode: .enforced, jwt: jwt, onBootstrapKey: onBootstrapKey)
    }

    public var isDevelopment: Bool { mode == .development }

    /// What the operator asked for with `--auth`.
    public enum Request: String, Sendable, CaseIterable {
        /// Enforced when JWT is configured; dev mode on loopback; refusal elsewhere.
        case auto
        /// Enforced, with API keys even when no JWT is configured.
        case on
        /// Dev mode; refused unless bound to loopback.
        case off
    }

    /// Decides between dev mode and enforced auth, or refuses: an API open to the
    /// network must never run without credentials.
    public static func resolveMode(
        requested: Request, jwtConfigured: Bool, host: String
    ) throws(AuthConfigurationError) -> (enforced: Bool, reason: String) {
        switch requested {
        case .on:
            return (true, "--auth on")
        case .auto where jwtConfigured:
            return (true, "JWT verification is configured")
        case .off where jwtConfigured:
            throw AuthConfigurationError("--auth off contradicts the JWT options given; drop one or the other.")
        case .auto, .off:
            guard isLoopback(host) else {
                throw AuthConfigurationError(
                    """
                    Refusing to serve on \(host) without authentication: anyone who can reach it could read and enqueue jobs.
                    Either enable auth — `--auth on` for API keys (a bootstrap admin key is printed at first start; more with \
                    `conveyor admin create-key`), and/or JWT verification with --jwt-audience plus --jwt-hs256-secret, \
                    --jwt-public-key-file or --jwks-file — or bind to 127.0.0.1 for dev mode.
                    """)
            }
            return (false, requested == .off ? "--auth off" : "no auth configured and bound to loopback")
        }
    }

    /// True for addresses only this machine can reach: `localhost`, 127.0.0.0/8, `::1`.
    /// `0.0.0.0` and `::` listen on every interface and are not loopback.
    public static func isLoopback(_ host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ $0.count <= 3 && UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }
}
