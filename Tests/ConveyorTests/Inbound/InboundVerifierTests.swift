import ConveyorCore
import Foundation
import Testing

@testable import ConveyorServer

extension InboundTests {
    /// The verifier as a pure function: the edges the HTTP tests do not reach.
    @Suite("Inbound verifier") struct InboundVerifierTests {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let body = Array(#"{"a":1}"#.utf8)

        func standard(_ headers: [String: String], tolerance: Int = 300) -> Result<String, InboundVerifier.Failure> {
            let source = InboundSource(name: "s", scheme: .standardWebhooks, secret: InboundHarness.standardSecret, toleranceSeconds: tolerance)
            return InboundVerifier.verify(source, header: { headers[$0] }, body: body, now: now)
        }

        func signed(id: String = "m", at timestamp: Int) -> [String: String] {
            let signature = SpecHMAC.standard(secret: InboundHarness.standardSecret, id: id, timestamp: timestamp, body: #"{"a":1}"#)
            return ["webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature]
        }

        @Test func theToleranceIsInclusiveBothWays() {
            let t = Int(now.timeIntervalSince1970)
            #expect(standard(signed(at: t - 300)) == .success("m"))
            #expect(standard(signed(at: t + 300)) == .success("m"))
            #expect(standard(signed(at: t - 301)) == .failure(.staleTimestamp))
            #expect(standard(signed(at: t + 301)) == .failure(.staleTimestamp))
            #expect(standard(signed(at: t - 30), tolerance: 10) == .failure(.staleTimestamp))
            var headers = signed(at: t)
            headers["webhook-timestamp"] = "yesterday"
            #expect(standard(headers) == .failure(.malformedTimestamp))
        }

        @Test func onlyV1EntriesCount() {
            let t = Int(now.timeIntervalSince1970)
            var headers = signed(at: t)
            let v1 = headers["webhook-signature"]!
            headers["webhook-signature"] = "v2," + v1.dropFirst(3)
            #expect(standard(headers) == .failure(.badSignature))
            headers["webhook-signature"] = "v1a,AAAA v2,\(v1.dropFirst(3)) \(v1)"
            #expect(standard(headers) == .success("m"))
            headers["webhook-signature"] = ""
            #expect(standard(headers) == .failure(.badSignature))
        }

        @Test func hmacPrefixIsCaseInsensitiveAndTheIDFallsBackToTheBodyHash() {
            let source = InboundSource(name: "g", scheme: .hmacSHA256, secret: "k", signatureHeader: "x-sig", prefix: "sha256=")
            let mac = SpecHMAC.hex(SpecHMAC.hmacSHA256(key: Array("k".utf8), message: body))
            let upper = ["x-sig": "SHA256=" + mac.uppercased()]
            #expect(InboundVerifier.verify(source, header: { upper[$0] }, body: body, now: now) == .success("sha256:" + SpecHMAC.hex(SpecHMAC.sha256(body))))
            let bare = ["x-sig": mac]
            #expect(InboundVerifier.verify(source, header: { bare[$0] }, body: body, now: now) == .failure(.badSignature))
        }

        @Test func aLongDeliveryIDIsHashedIntoTheKey() async throws {
            let h = try await InboundHarness(.sqlite)
            let id = String(repeating: "d", count: 300)
            try await h.run { client in
                let response = try await client.github(#"{"x":1}"#, delivery: id)
                #expect(response.status == .accepted, "\(response.text)")
                let receipt = try response.decode(InboundReceipt.self)
                #expect(receipt.deliveryID == "sha256:" + SpecHMAC.hex(SpecHMAC.sha256(Array(id.utf8))))
                #expect(try await client.github(#"{"x":1}"#, delivery: id).status == .ok)
            }
        }
    }
}
