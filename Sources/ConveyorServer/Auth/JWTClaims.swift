import ConveyorCore
import JWTKit

/// A JWT payload with whatever claims it carries. Claim names are configuration, so no
/// fixed struct fits; ``JWTVerifier`` reads the ones it needs by name after the
/// signature checks out.
struct JWTClaims: JWTPayload, Equatable {
    var claims: [String: JSONValue]

    init(_ claims: [String: JSONValue]) {
        self.claims = claims
    }

    init(from decoder: Decoder) throws {
        claims = try [String: JSONValue](from: decoder)
    }

    func encode(to encoder: Encoder) throws {
        try claims.encode(to: encoder)
    }

    /// Time and audience checks need the configured values and the injected clock, so
    /// they are done by the verifier, not here.
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// The claim called `name`, or, when there is none and the name has dots, the value
    /// at that path through nested objects (`realm_access.roles`).
    func value(_ name: String) -> JSONValue? {
        if let direct = claims[name] { return direct }
        let path = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard path.count > 1, var current = claims[path[0]] else { return nil }
        for key in path.dropFirst() {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    /// `aud` may be one string or an array of them (RFC 7519 §4.1.3).
    var audiences: [String] {
        switch claims["aud"] {
        case .string(let one)?: [one]
        case .array(let many)?: many.compactMap(\.stringValue)
        default: []
        }
    }
}
