import ConveyorCore
import Foundation
import JWTKit
import Testing

@testable import ConveyorServer

extension AuthTests {
    @Suite("JWT verification") struct JWTVerifierTests {
        static let audience = "conveyor"

        func claims(_ extra: [String: JSONValue] = [:], expiresIn: Double = 600) -> JWTClaims {
            var claims: [String: JSONValue] = [
                "sub": "user-7", "tenant": "acme", "aud": .string(Self.audience), "scope": "jobs:read jobs:write",
                "exp": .number((Date().timeIntervalSince1970 + expiresIn).rounded()),
            ]
            claims.merge(extra) { _, new in new }
            return JWTClaims(claims)
        }

        func verifier(_ keys: [JWTSettings.KeySource], issuer: String? = nil, tenantClaim: String = "tenant", scopesClaim: String = "scope")
            async throws -> JWTVerifier
        {
            try await JWTVerifier(
                settings: JWTSettings(keys: keys, issuer: issuer, audience: Self.audience, tenantClaim: tenantClaim, scopesClaim: scopesClaim))
        }

        /// The 401 detail for `token`, or nil when it verifies.
        func refusal(_ verifier: JWTVerifier, _ token: String) async -> String? {
            do {
                _ = try await verifier.verify(token, now: Date())
                return nil
            } catch {
                #expect(error.status == .unauthorized)
                return error.problem.detail
            }
        }

        @Test func rs256TokensVerifyWithTheRSAPublicKey() async throws {
            let verifier = try await verifier([.publicKeyPEM(TestRSAKey.publicPEM)])
            let keys = JWTKeyCollection()
            await keys.add(rsa: try JWTKit.Insecure.RSA.PrivateKey(pem: TestRSAKey.privatePEM), digestAlgorithm: .sha256)
            let caller = try await verifier.verify(try await keys.sign(claims()), now: Date())
            #expect(caller == Caller(credential: .token(subject: "user-7"), tenant: "acme", scopes: [.jobsRead, .jobsWrite]))
        }

        @Test func eddsaTokensVerifyWithTheEd25519PublicKey() async throws {
            let key = try EdDSA.PrivateKey()
            let verifier = try await verifier([.publicKeyPEM(key.publicKey.pemRepresentation)])
            let keys = JWTKeyCollection()
            await keys.add(eddsa: key)
            #expect(try await verifier.verify(try await keys.sign(claims()), now: Date()).tenant == "acme")
            let other = JWTKeyCollection()
            await other.add(eddsa: try EdDSA.PrivateKey())
            #expect(await refusal(verifier, try await other.sign(claims()))?.contains("signature") == true)
        }

        @Test func jwksPicksTheKeyByKid() async throws {
            let (one, two) = (try EdDSA.PrivateKey(), try EdDSA.PrivateKey())
            func jwk(_ key: EdDSA.PrivateKey, _ kid: String) -> String {
                let x = key.publicKey.rawRepresentation.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                    .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                return #"{"kty":"OKP","crv":"Ed25519","x":"\#(x)","kid":"\#(kid)","alg":"EdDSA","use":"sig"}"#
            }
            let verifier = try await verifier([.jwks(json: #"{"keys":[\#(jwk(one, "one")),\#(jwk(two, "two"))]}"#)])
            for (key, kid) in [(one, "one"), (two, "two")] {
                let keys = JWTKeyCollection()
                await keys.add(eddsa: key, kid: JWKIdentifier(string: kid))
                #expect(try await verifier.verify(try await keys.sign(claims(), kid: JWKIdentifier(string: kid)), now: Date()).tenant == "acme")
            }
            let stranger = JWTKeyCollection()
            await stranger.add(eddsa: try EdDSA.PrivateKey(), kid: "one")
            #expect(await refusal(verifier, try await stranger.sign(claims(), kid: "one")) != nil)
        }

        /// A token cannot choose a weaker algorithm than the configured key's.
        @Test func algorithmConfusionIsRefused() async throws {
            let verifier = try await verifier([.publicKeyPEM(TestRSAKey.publicPEM)])
            // HS256 keyed with the public key text, the classic confusion attack.
            let hmac = JWTKeyCollection()
            await hmac.add(hmac: HMACKey(from: TestRSAKey.publicPEM), digestAlgorithm: .sha256)
            #expect(await refusal(verifier, try await hmac.sign(claims()))?.contains("accepts RS256") == true)
            // alg none, no signature.
            let header = APIKeySecret.base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
            let payload = APIKeySecret.base64URL(try ConveyorJSON.encode(claims()))
            #expect(await refusal(verifier, "\(header).\(payload).") != nil)
            // An unknown critical extension.
            let keys = JWTKeyCollection()
            await keys.add(rsa: try JWTKit.Insecure.RSA.PrivateKey(pem: TestRSAKey.privatePEM), digestAlgorithm: .sha256)
            let crit = try await keys.sign(claims(), header: ["crit": ["exp2"], "exp2": 1])
            #expect(await refusal(verifier, crit)?.contains("critical") == true)
        }

        @Test func timeIssuerAudienceSubjectAndTenantAreChecked() async throws {
            let secret = String(repeating: "s", count: 32)
            let verifier = try await verifier([.hs256(secret: secret)], issuer: "https://idp")
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            func sign(_ c: JWTClaims) async throws -> String { try await keys.sign(c) }
            let now = Date().timeIntervalSince1970
            let iss: [String: JSONValue] = ["iss": "https://idp"]

            #expect(await refusal(verifier, try await sign(claims(iss))) == nil)
            #expect(await refusal(verifier, try await sign(claims(iss, expiresIn: -120)))?.contains("expired") == true)
            // Within the leeway, a just-expired token still counts.
            #expect(await refusal(verifier, try await sign(claims(iss, expiresIn: -5))) == nil)
            #expect(await refusal(verifier, try await sign(claims(iss.merging(["nbf": .number(now + 600)]) { $1 })))?.contains("not valid before") == true)
            #expect(await refusal(verifier, try await sign(claims(iss.merging(["nbf": .number(now - 600)]) { $1 }))) == nil)
            #expect(await refusal(verifier, try await sign(claims(["iss": "https://evil"])))?.contains("issuer") == true)
            #expect(await refusal(verifier, try await sign(claims(iss.merging(["aud": ["x", .string(Self.audience)]]) { $1 }))) == nil)
            #expect(await refusal(verifier, try await sign(claims(iss.merging(["aud": ["x", "y"]]) { $1 })))?.contains("audience") == true)

            var noExp = claims(iss)
            noExp.claims["exp"] = nil
            #expect(await refusal(verifier, try await sign(noExp))?.contains("expiry") == true)
            var noSub = claims(iss)
            noSub.claims["sub"] = nil
            #expect(await refusal(verifier, try await sign(noSub))?.contains("subject") == true)
            #expect(await refusal(verifier, try await sign(claims(iss.merging(["tenant": "not a name"]) { $1 })))?.contains("tenant") == true)
        }

        @Test func claimNamesAreConfigurable() async throws {
            let secret = String(repeating: "s", count: 32)
            let verifier = try await verifier([.hs256(secret: secret)], tenantClaim: "org.id", scopesClaim: "scp")
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            let token = try await keys.sign(claims(["org": ["id": "initech"], "scp": ["jobs:read", "admin", "email"]]))
            let caller = try await verifier.verify(token, now: Date())
            #expect(caller.tenant == "initech")
            #expect(caller.scopes == [.jobsRead, .admin])
        }

        @Test func badKeyConfigurationIsRefusedUpFront() async throws {
            await #expect(throws: AuthConfigurationError.self) { _ = try await verifier([.hs256(secret: "short")]) }
            await #expect(throws: AuthConfigurationError.self) { _ = try await verifier([.publicKeyPEM("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")]) }
            await #expect(throws: AuthConfigurationError.self) { _ = try await verifier([.jwks(json: "{}")]) }
            await #expect(throws: AuthConfigurationError.self) { _ = try await verifier([]) }
            await #expect(throws: AuthConfigurationError.self) {
                _ = try await JWTVerifier(settings: JWTSettings(keys: [.hs256(secret: String(repeating: "s", count: 32))], audience: ""))
            }
        }
    }
}
