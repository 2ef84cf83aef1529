import ConveyorClient
import ConveyorCore
import Foundation
import Testing

extension InboundTests {
    /// The typed client's source methods against the real API.
    @Suite("Inbound client") struct InboundClientTests {
        @Test func managesSourcesAndNeverSeesASecret() async throws {
            try await ServerHarness().withClient { client in
                let saved = try await client.putInboundSource(
                    InboundSourceRequest(
                        scheme: .hmacSHA256, secret: "client-secret", signatureHeader: "X-Signature", encoding: .base64, prefix: "sha256="),
                    name: "billing")
                #expect(saved.name == "billing" && saved.secret == "********" && saved.encoding == .base64)
                #expect(saved.signatureHeader == "x-signature" && saved.prefix == "sha256=" && saved.toleranceSeconds == 300)
                let listed = try await client.inboundSources()
                #expect(listed.map(\.name) == ["billing"] && listed.allSatisfy { $0.secret == "********" })
                try await client.deleteInboundSource(name: "billing")
                #expect(try await client.inboundSources().isEmpty)
                await #expect(throws: ConveyorClientError.self) { try await client.deleteInboundSource(name: "billing") }
            }
        }
    }
}
