import Foundation

/// How bearer JWTs from an identity provider are verified.
///
/// At least one key source is needed, and an audience: a token minted for another
/// service of the same provider must not open this one. The claim names are
/// configurable because providers differ (`scope` vs `scp`, a namespaced tenant claim).
public struct JWTSettings: Sendable {
    /// Where signing keys come from. Each source accepts only its own algorithms, so a
    /// token cannot pick a weaker one (no `none`, no HS256 against a public key).
    public enum KeySource: Sendable {
        /// A shared secret for HS256; at least 32 bytes.
        case hs256(secret: String)
        /// A PEM public key: RSA (RS256) or Ed25519 (EdDSA).
        case publicKeyPEM(String)
        /// A JSON Web Key Set; tokens pick a key by `kid`.
        case jwks(json: String)
    }

    public var keys: [KeySource]
    /// Required `iss`, when set.
    public var issuer: String?
    /// Required among the token's `aud`.
    public var audience: String
    /// The claim naming the tenant. A dotted path (`ext.tenant`) reaches into objects
    /// when no claim has the literal name.
    public var tenantClaim: String
    /// The claim listing scopes: a space-separated string or an array of strings.
    public var scopesClaim: String
    /// Clock skew tolerated on `exp` and `nbf`.
    public var leeway: Duration

    public init(
        keys: [KeySource], issuer: String? = nil, audience: String, tenantClaim: String = "tenant",
        scopesClaim: String = "scope", leeway: Duration = .seconds(30)
    ) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.tenantClaim = tenantClaim
        self.scopesClaim = scopesClaim
        self.leeway = leeway
    }

    /// Reads a PEM public key file.
    public static func publicKeyFile(_ path: String) throws -> KeySource {
        .publicKeyPEM(try read(path, what: "JWT public key file"))
    }

    /// Reads a JWKS file.
    public static func jwksFile(_ path: String) throws -> KeySource {
        .jwks(json: try read(path, what: "JWKS file"))
    }

    private static func read(_ path: String, what: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AuthConfigurationError("Cannot read the \(what) \(path): \(error.localizedDescription)")
        }
    }
}
