import ConveyorCore
import Foundation
import JWTKit

/// Verifies bearer JWTs with jwt-kit and turns their claims into a ``Caller``.
///
/// The signature is checked by jwt-kit against the key source whose algorithms include
/// the token's `alg`; `exp`, `nbf`, `iss` and `aud` are checked here, against the
/// server's clock, with ``JWTSettings/leeway`` for skew.
public final class JWTVerifier: Sendable {
    /// One configured key source and the algorithms it may verify.
    struct Source: Sendable {
        var algorithms: Set<String>
        var keys: JWTKeyCollection
    }

    /// Asymmetric algorithms a JWKS may use. HMAC is left out: a key set is public, so
    /// a symmetric key in it would let anyone sign.
    static let jwksAlgorithms: Set<String> = [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
    ]
    /// 256 bits, as RFC 7518 §3.2 requires of an HS256 key.
    static let minimumSecretBytes = 32

    let sources: [Source]
    let settings: JWTSettings

    /// Loads the keys; throws ``AuthConfigurationError`` naming what is wrong with them.
    public init(settings: JWTSettings) async throws {
        guard !settings.keys.isEmpty else {
            throw AuthConfigurationError("JWT verification needs a key: an HS256 secret, a public key file or a JWKS file.")
        }
        guard !settings.audience.isEmpty else {
            throw AuthConfigurationError("JWT verification needs an audience (--jwt-audience): the value this server expects in `aud`.")
        }
        var sources: [Source] = []
        for key in settings.keys {
            sources.append(try await Self.source(key))
        }
        self.sources = sources
        self.settings = settings
    }

    private static func source(_ key: JWTSettings.KeySource) async throws -> Source {
        let keys = JWTKeyCollection()
        switch key {
        case .hs256(let secret):
            guard secret.utf8.count >= minimumSecretBytes else {
                throw AuthConfigurationError(
                    "The HS256 secret has \(secret.utf8.count) bytes; use at least \(minimumSecretBytes) random bytes (e.g. `openssl rand -base64 48`).")
            }
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            return Source(algorithms: ["HS256"], keys: keys)
        case .publicKeyPEM(let pem):
            if let rsa = try? JWTKit.Insecure.RSA.PublicKey(pem: pem) {
                await keys.add(rsa: rsa, digestAlgorithm: .sha256)
                return Source(algorithms: ["RS256"], keys: keys)
            }
            if let ed = try? EdDSA.PublicKey(pem: pem) {
                await keys.add(eddsa: ed)
                return Source(algorithms: ["EdDSA"], keys: keys)
            }
            throw AuthConfigurationError("The JWT public key is neither an RSA nor an Ed25519 public key in PEM form (-----BEGIN PUBLIC KEY-----).")
        case .jwks(let json):
            do {
                try await keys.add(jwksJSON: json)
            } catch {
                throw AuthConfigurationError("The JWKS does not load: \(error). Each key needs a kid.")
            }
            return Source(algorithms: jwksAlgorithms, keys: keys)
        }
    }

    /// The caller a token stands for, or a 401 problem saying why it does not count.
    func verify(_ token: String, now: Date) async throws(ProblemError) -> Caller {
        let header = try Self.header(token)
        guard let alg = header["alg"]?.stringValue else { throw .credentialInvalid("The JWT header names no algorithm (alg).") }
        // No extension is understood, so a critical one must be refused (RFC 7515 §4.1.11).
        guard header["crit"] == nil else { throw .credentialInvalid("The JWT has critical header extensions this server does not support.") }
        let candidates = sources.filter { $0.algorithms.contains(alg) }
        guard !candidates.isEmpty else {
            let accepted = Set(sources.flatMap(\.algorithms)).sorted().joined(separator: ", ")
            throw .credentialInvalid("The JWT is signed with \(alg.prefix(20)); this server accepts \(accepted).")
        }
        var claims: JWTClaims?
        var failure = "The JWT could not be verified."
        for source in candidates {
            do {
                claims = try await source.keys.verify(token, as: JWTClaims.self)
                break
            } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
                failure = "The JWT's signature does not verify against the configured keys."
            } catch let error as JWTError where error.errorType == .malformedToken {
                failure = "The JWT is malformed."
            } catch {
                failure = "The JWT could not be verified with the configured keys."
            }
        }
        guard let claims else { throw .credentialInvalid(failure) }
        return try caller(from: claims, now: now)
    }

    func caller(from claims: JWTClaims, now: Date) throws(ProblemError) -> Caller {
        let leeway = Double(settings.leeway.components.seconds)
        guard let exp = claims.claims["exp"]?.doubleValue else {
            throw .credentialInvalid("The JWT has no expiry (exp); this server accepts only tokens that expire.")
        }
        guard now.timeIntervalSince1970 < exp + leeway else {
            throw .credentialInvalid("The JWT expired at \(ConveyorJSON.formatDate(Date(timeIntervalSince1970: exp))).")
        }
        if let nbf = claims.claims["nbf"] {
            guard let seconds = nbf.doubleValue else { throw .credentialInvalid("The JWT's nbf is not a number.") }
            guard now.timeIntervalSince1970 + leeway >= seconds else {
                throw .credentialInvalid("The JWT is not valid before \(ConveyorJSON.formatDate(Date(timeIntervalSince1970: seconds))).")
            }
        }
        if let issuer = settings.issuer, claims.claims["iss"]?.stringValue != issuer {
            throw .credentialInvalid("The JWT's issuer (iss) is not the one this server trusts.")
        }
        guard claims.audiences.contains(settings.audience) else {
            throw .credentialInvalid("The JWT is not meant for this server: its audience (aud) does not include '\(settings.audience)'.")
        }
        guard let subject = claims.claims["sub"]?.stringValue, !subject.isEmpty, subject.utf8.count <= 255 else {
            throw .credentialInvalid("The JWT names no subject (sub) of 1–255 bytes; it is recorded as created_by.")
        }
        guard let tenant = claims.value(settings.tenantClaim)?.stringValue, EnqueueRequest.isValidName(tenant) else {
            throw .credentialInvalid(
                "The JWT's '\(settings.tenantClaim)' claim does not name a tenant (1–100 letters, digits, '_', '-', '.' or ':').")
        }
        return Caller(credential: .token(subject: subject), tenant: tenant, scopes: scopes(in: claims))
    }

    /// A space-separated string (OAuth's `scope`) or an array of strings (`scp`);
    /// scopes this server does not know are dropped.
    private func scopes(in claims: JWTClaims) -> Set<Scope> {
        let names: [String]
        switch claims.value(settings.scopesClaim) {
        case .string(let text)?: names = text.split(separator: " ").map(String.init)
        case .array(let items)?: names = items.compactMap(\.stringValue)
        default: names = []
        }
        return Set(names.map(Scope.init(rawValue:)).filter(\.isKnown))
    }

    /// The decoded JOSE header, read before any key is chosen.
    private static func header(_ token: String) throws(ProblemError) -> [String: JSONValue] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = base64URLDecode(parts[0]),
            let header = try? ConveyorJSON.decode([String: JSONValue].self, from: data)
        else { throw .credentialInvalid("The credential is neither an API key (cvk_…) nor a well-formed JWT.") }
        // Base64 leaves spare bits in the last character; a decoder that ignores them
        // accepts several spellings of one signature. Only the canonical one is taken,
        // so a token has exactly one valid form.
        guard let signature = base64URLDecode(parts[2]), APIKeySecret.base64URL(signature) == parts[2] else {
            throw .credentialInvalid("The JWT's signature is not canonical base64url.")
        }
        return header
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        Data(base64URLEncoded: String(text))
    }
}
