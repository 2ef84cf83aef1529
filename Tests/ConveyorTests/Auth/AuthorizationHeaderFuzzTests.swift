import ConveyorCore
import Foundation
import Testing

@testable import ConveyorServer

extension AuthTests {
    /// The Authorization header is attacker-controlled bytes: the parser and everything
    /// behind it must answer every input with a verdict, never a crash.
    @Suite("Authorization header") struct AuthorizationHeaderTests {
        @Test func acceptsWellFormedBearerCredentials() {
            #expect(AuthorizationHeader.parse("Bearer abc.def.ghi") == .bearer("abc.def.ghi"))
            #expect(AuthorizationHeader.parse("bearer   cvk_x-y_z") == .bearer("cvk_x-y_z"))
            #expect(AuthorizationHeader.parse("BEARER dG9rZW4=") == .bearer("dG9rZW4="))
            #expect(AuthorizationHeader.parse([]) == .missing)
        }

        @Test(arguments: [
            "", "Bearer", "Bearer ", "Bearer  ", "Basic dXNlcjpwYXNz", "Bearerabc", "Bearer a b", "Bearer a\tb",
            "Bearer =abc", "Bearer ab=c", "Bearer é", "Token abc", " Bearer abc", "Bearer abc\u{0}",
        ])
        func refusesMalformedHeaders(value: String) {
            guard case .malformed = AuthorizationHeader.parse(value) else {
                Issue.record("accepted \(value.debugDescription)")
                return
            }
        }

        @Test func refusesSeveralHeadersAndHugeOnes() {
            guard case .malformed = AuthorizationHeader.parse(["Bearer a", "Bearer b"]) else {
                Issue.record("accepted two headers")
                return
            }
            guard case .malformed = AuthorizationHeader.parse("Bearer " + String(repeating: "a", count: 20_000)) else {
                Issue.record("accepted a 20 kB token")
                return
            }
        }

        /// Thousands of random headers: random bytes, near-misses of each credential shape,
        /// and mutations of real tokens. Each goes through the parser, the API key reader
        /// and the JWT verifier; any crash ends the test run.
        @Test func fuzzedHeadersNeverCrash() async throws {
            var rng = SplitMix64(seed: 0xC0FFEE)
            let verifier = try await JWTVerifier(settings: AuthHarness.hs256Settings())
            let harness = try await AuthHarness()
            let realToken = try await harness.token(tenant: "t", scopes: [.jobsRead])
            let realKey = APIKeySecret().text
            let alphabet = Array("ABCabcxyz0123456789-._~+/= \t.:\"'\\{}[]é✓\u{0}\u{7F}cvk_Bearer".unicodeScalars)
            var verdicts = 0
            for round in 0..<4000 {
                let value: String
                switch round % 4 {
                case 0:
                    let bytes = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    value = String(decoding: bytes, as: UTF8.self)
                case 1:
                    let count = Int(rng.next() % 120)
                    value = "Bearer " + String(String.UnicodeScalarView((0..<count).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
                case 2:
                    value = "Bearer " + Self.mutate(realToken, &rng)
                default:
                    value = "Bearer " + Self.mutate(realKey, &rng)
                }
                switch AuthorizationHeader.parse([value]) {
                case .missing:
                    Issue.record("a present header read as missing")
                case .malformed:
                    verdicts += 1
                case .bearer(let token):
                    _ = APIKeySecret(token)?.hash
                    do {
                        _ = try await verifier.verify(token, now: Date())
                    } catch {
                        verdicts += 1
                        continue
                    }
                    verdicts += 1
                }
            }
            #expect(verdicts == 4000)
        }

        /// Mutated credentials through the whole stack: every one is a 401 problem.
        @Test func fuzzedCredentialsThroughTheAPIAreRefused() async throws {
            var rng = SplitMix64(seed: 0xBADC0DE)
            let harness = try await AuthHarness()
            let realToken = try await harness.token(tenant: "t", scopes: [.admin])
            let realKey = try await harness.apiKey(tenant: "t", scopes: [.admin]).secret
            // A replacement can draw the character it replaces; such a "mutation" is the real credential.
            let mutations = (0..<600).map { Self.mutate($0.isMultiple(of: 2) ? realToken : realKey, &rng) }
                .filter { $0 != realToken && $0 != realKey }
            try await harness.run { client in
                for mutated in mutations {
                    let response = try await client.send(.get, "/v1/jobs", bearer: mutated)
                    #expect(response.status == .unauthorized, "\(mutated): \(response.status)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                    #expect(!response.text.contains(mutated), "the credential was echoed")
                }
            }
        }

        /// Flips, drops, duplicates or inserts a few characters.
        static func mutate(_ text: String, _ rng: inout SplitMix64) -> String {
            var chars = Array(text)
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                guard !chars.isEmpty else { break }
                let i = Int(rng.next() % UInt64(chars.count))
                switch rng.next() % 4 {
                case 0: chars[i] = Character(UnicodeScalar(UInt8(33 + rng.next() % 94)))
                case 1: chars.remove(at: i)
                case 2: chars.insert(chars[i], at: i)
                default: chars.insert(".", at: i)
                }
            }
            return String(chars)
        }
    }
}

/// A small deterministic generator, so a failing fuzz run can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
