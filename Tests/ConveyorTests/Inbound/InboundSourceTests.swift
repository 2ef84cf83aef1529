import ConveyorCore
import ConveyorServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

extension InboundTests {
    /// Sources through the admin API and the `--inbound-source` flag; the store on both kinds.
    @Suite("Inbound sources") struct InboundSourceTests {
        @Test(arguments: StoreKind.allCases)
        func theStoreSavesListsReplacesAndDeletesSources(kind: StoreKind) async throws {
            let store = try await kind.make()
            let source = InboundSource(
                name: "linear", scheme: .hmacSHA256, secret: "s3cret", tenant: "acme", signatureHeader: "linear-signature",
                encoding: .hex, idHeader: "linear-delivery", updatedAt: Date(timeIntervalSince1970: 1_700_000_000))
            #expect(try await store.saveInboundSource(source))
            #expect(try await store.inboundSource(name: "linear") == source)
            var changed = source
            changed.secret = "rotated"
            #expect(try await store.saveInboundSource(changed) == false)
            _ = try await store.saveInboundSource(InboundSource(name: "a-first", scheme: .standardWebhooks, secret: InboundHarness.standardSecret))
            #expect(try await store.inboundSources().map(\.name) == ["a-first", "linear"])
            #expect(try await store.inboundSource(name: "linear")?.secret == "rotated")
            #expect(try await store.deleteInboundSource(name: "linear"))
            #expect(try await store.deleteInboundSource(name: "linear") == false)
            #expect(try await store.inboundSource(name: "linear") == nil)
        }

        @Test(arguments: StoreKind.allCases)
        func aSourceMadeThroughTheAPIVerifiesAndItsSecretIsNeverShown(kind: StoreKind) async throws {
            let h = try await InboundHarness(kind)
            let secret = "linear-secret-value"
            try await h.run { client in
                let put = try await client.send(
                    .put, "/v1/inbound-sources/linear",
                    json: #"{"scheme":"hmac-sha256","secret":"\#(secret)","signature_header":"Linear-Signature","id_header":"linear-delivery","tenant":"acme"}"#)
                #expect(put.status == .created, "\(put.text)")
                #expect(!put.text.contains(secret))
                let saved = try put.decode(InboundSource.self)
                #expect(saved.secret == "********" && saved.signatureHeader == "linear-signature" && saved.origin == "api")

                let list = try await client.send(.get, "/v1/inbound-sources")
                #expect(list.status == .ok)
                #expect(try list.decode(InboundSourceList.self).sources.map(\.name) == ["github", "linear", "notion", "slack", "stripe", "svix"])
                for hidden in [secret, InboundHarness.githubSecret, InboundHarness.notionSecret, InboundHarness.standardSecret] {
                    #expect(!list.text.contains(hidden))
                }

                let body = #"{"action":"create"}"#
                let signature = SpecHMAC.hex(SpecHMAC.hmacSHA256(key: Array(secret.utf8), message: Array(body.utf8)))
                let delivered = try await client.post(
                    "/v1/inbound/linear", body: body, headers: ["Linear-Signature": signature, "Linear-Delivery": "l-1"])
                #expect(delivered.status == .accepted, "\(delivered.text)")
                #expect(try await h.inboundEvents().map(\.tenant) == ["acme"])

                let replaced = try await client.send(
                    .put, "/v1/inbound-sources/linear", json: #"{"scheme":"hmac-sha256","secret":"new","signature_header":"linear-signature"}"#)
                #expect(replaced.status == .ok)
                try expectProblem(
                    try await client.post("/v1/inbound/linear", body: body, headers: ["Linear-Signature": signature, "Linear-Delivery": "l-2"]),
                    .unauthorized)

                try expectProblem(
                    try await client.send(.put, "/v1/inbound-sources/github", json: #"{"scheme":"hmac-sha256","secret":"x","signature_header":"x"}"#),
                    .conflict)
                let invalid = try expectProblem(
                    try await client.send(.put, "/v1/inbound-sources/x", json: #"{"scheme":"hmac-sha256","secret":"x"}"#), .unprocessableContent)
                #expect(invalid.fields == ["signature_header"])
                let badName = try expectProblem(
                    try await client.send(
                        .put, "/v1/inbound-sources/a.b", json: #"{"scheme":"standard-webhooks","secret":"whsec_!!"}"#), .unprocessableContent)
                #expect(Set(badName.fields) == ["source", "secret"])

                #expect(try await client.send(.delete, "/v1/inbound-sources/linear").status == .noContent)
                try expectProblem(try await client.send(.delete, "/v1/inbound-sources/linear"), .notFound)
                try expectProblem(try await client.send(.delete, "/v1/inbound-sources/github"), .conflict)
                try expectProblem(
                    try await client.post("/v1/inbound/linear", body: body, headers: ["Linear-Signature": signature, "Linear-Delivery": "l-3"]),
                    .unauthorized)
            }
        }

        @Test func theFlagReadsTheSecretFromTheEnvironment() throws {
            let env = ["GH_SECRET": "from-env", "SVIX_SECRET": InboundHarness.standardSecret]
            let github = try InboundSource(
                parsing: "github=hmac-sha256:GH_SECRET,header=X-Hub-Signature-256,prefix=sha256=,id-header=X-GitHub-Delivery,tenant=acme",
                environment: env)
            #expect(github.secret == "from-env" && github.signatureHeader == "x-hub-signature-256" && github.prefix == "sha256=")
            #expect(github.idHeader == "x-github-delivery" && github.tenant == "acme" && github.origin == "config")
            #expect(github.encoding == nil && github.toleranceSeconds == 300)
            let svix = try InboundSource(parsing: "svix=standard-webhooks:SVIX_SECRET,tolerance=60", environment: env)
            #expect(svix.scheme == .standardWebhooks && svix.toleranceSeconds == 60)
            for bad in [
                "github=hmac-sha256:MISSING,header=x", "github=hmac-sha256:GH_SECRET", "github=sha1:GH_SECRET,header=x",
                "github=hmac-sha256:GH_SECRET,header=x,encoding=base32", "github=hmac-sha256:GH_SECRET,header=x,colour=red", "github",
            ] {
                #expect(throws: ConveyorError.self, "\(bad)") { try InboundSource(parsing: bad, environment: env) }
            }
        }
    }
}
