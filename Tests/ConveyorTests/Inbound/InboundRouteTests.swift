import ConveyorCore
import ConveyorServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

extension InboundTests {
    /// `POST /v1/inbound/{source}` over real HTTP, on both stores. Signatures are made
    /// by ``SpecHMAC``, written in the tests from the specifications.
    @Suite("Inbound webhooks") struct InboundRouteTests {
        static let push = #"{"ref":"refs/heads/main","commits":[{"id":"abc"}]}"#

        @Test func theTestsOwnHMACMatchesRFC4231() {
            // RFC 4231, test case 2.
            let mac = SpecHMAC.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
            #expect(SpecHMAC.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
            // FIPS 180-2 example "abc".
            #expect(SpecHMAC.hex(SpecHMAC.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        }

        @Test(arguments: StoreKind.allCases)
        func aGitHubDeliveryBecomesOneEventAndOneJobEvenWhenRepeated(kind: StoreKind) async throws {
            let h = try await InboundHarness(kind)
            _ = try await h.conveyor.createTrigger(TriggerRequest(topic: "inbound.github", job: TriggerJob(type: IndexEntryJob.type)))
            try await h.withTriggers {
                try await h.run { client in
                    let first = try await client.github(Self.push, delivery: "d-1")
                    #expect(first.status == .accepted, "\(first.text)")
                    let receipt = try first.decode(InboundReceipt.self)
                    #expect(receipt.topic == "inbound.github" && receipt.deliveryID == "d-1" && !receipt.duplicate)

                    let events = try await h.inboundEvents()
                    let event = try #require(events.first)
                    #expect(events.count == 1)
                    #expect(event.id == receipt.eventID && event.topic == "inbound.github" && event.key == "d-1" && event.tenant == "default")
                    let data = event.data
                    #expect(data["body"] == (try ConveyorJSON.decode(JSONValue.self, from: Data(Self.push.utf8))))
                    #expect(data["headers"]?["x-github-event"] == "push")
                    #expect(data["headers"]?["x-github-delivery"] == "d-1")
                    #expect(data["headers"]?["content-type"] == "application/json")
                    #expect(data["headers"]?["x-hub-signature-256"] == nil, "the signature is not copied into the event")
                    try await waitUntil("the trigger's job") { try await h.jobs().count == 1 }

                    // GitHub redelivers: 200, the same event, nothing new.
                    let again = try await client.github(Self.push, delivery: "d-1")
                    #expect(again.status == .ok, "\(again.text)")
                    let repeated = try again.decode(InboundReceipt.self)
                    #expect(repeated.duplicate && repeated.eventID == receipt.eventID)
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(try await h.inboundEvents().count == 1)
                    #expect(try await h.jobs().count == 1)
                }
            }
        }

        @Test(arguments: StoreKind.allCases)
        func badSignaturesAndUnknownSourcesAre401AndStoreNothing(kind: StoreKind) async throws {
            let h = try await InboundHarness(kind)
            try await h.run { client in
                let refused: [(String, TestResponse)] = [
                    ("wrong secret", try await client.github(Self.push, delivery: "a", secret: "not-the-secret")),
                    ("body changed", try await client.github(Self.push, delivery: "b", signature: SpecHMAC.github(secret: InboundHarness.githubSecret, body: "{}"))),
                    ("no prefix", try await client.github(Self.push, delivery: "c", signature: String(SpecHMAC.github(secret: InboundHarness.githubSecret, body: Self.push).dropFirst(7)))),
                    ("not hex", try await client.github(Self.push, delivery: "d", signature: "sha256=zz")),
                    ("truncated", try await client.github(Self.push, delivery: "e", signature: String(SpecHMAC.github(secret: InboundHarness.githubSecret, body: Self.push).dropLast(2)))),
                    ("no signature", try await client.post("/v1/inbound/github", body: Self.push, headers: ["X-GitHub-Delivery": "f"])),
                    ("unknown source", try await client.post("/v1/inbound/gitlab", body: Self.push, headers: ["X-Hub-Signature-256": SpecHMAC.github(secret: InboundHarness.githubSecret, body: Self.push)])),
                ]
                var details: Set<String> = []
                for (name, response) in refused {
                    let problem = try expectProblem(response, .unauthorized, type: "inbound-unverified")
                    #expect(response.status == .unauthorized, "\(name)")
                    details.insert(problem.detail)
                }
                #expect(details.count == 1, "an unknown source looks like a bad signature")
                #expect(try await h.inboundEvents().isEmpty)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func standardWebhooksAcceptsRotatedSignaturesAndRefusesStaleOnes(kind: StoreKind) async throws {
            let h = try await InboundHarness(kind)
            let body = #"{"type":"invoice.paid","data":{"id":"in_1"}}"#
            let now = Int(Date().timeIntervalSince1970)
            try await h.run { client in
                let first = try await client.standard(body, id: "msg_1")
                #expect(first.status == .accepted, "\(first.text)")
                // During a rotation the sender signs with the old and the new secret.
                let rotated = try await client.standard(body, id: "msg_2", secrets: [InboundHarness.rotatedSecret, InboundHarness.standardSecret])
                #expect(rotated.status == .accepted, "\(rotated.text)")
                let repeated = try await client.standard(body, id: "msg_1")
                #expect(repeated.status == .ok)
                #expect(try repeated.decode(InboundReceipt.self).duplicate)

                try expectProblem(try await client.standard(body, id: "msg_3", secrets: [InboundHarness.rotatedSecret]), .unauthorized)
                try expectProblem(try await client.standard(body, id: "msg_4", timestamp: now - 301), .unauthorized)
                try expectProblem(try await client.standard(body, id: "msg_5", timestamp: now + 600), .unauthorized)
                // The id and the timestamp are signed: changing either breaks the signature.
                let signature = SpecHMAC.standard(secret: InboundHarness.standardSecret, id: "msg_6", timestamp: now, body: body)
                let swapped = try await client.post(
                    "/v1/inbound/svix", body: body,
                    headers: ["webhook-id": "msg_7", "webhook-timestamp": String(now), "webhook-signature": signature])
                try expectProblem(swapped, .unauthorized)
                for missing in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
                    var headers = ["webhook-id": "msg_6", "webhook-timestamp": String(now), "webhook-signature": signature]
                    headers[missing] = nil
                    try expectProblem(try await client.post("/v1/inbound/svix", body: body, headers: headers), .unauthorized)
                }
                let ok = try await client.post(
                    "/v1/inbound/svix", body: body,
                    headers: ["webhook-id": "msg_6", "webhook-timestamp": String(now), "webhook-signature": "v1,bm9wZQ== " + signature])
                #expect(ok.status == .accepted, "any one matching signature passes: \(ok.text)")

                let events = try await h.inboundEvents()
                #expect(events.map(\.key) == ["msg_1", "msg_2", "msg_6"])
                #expect(events.allSatisfy { $0.topic == "inbound.svix" })
                #expect(events[0].data["headers"]?["webhook-id"] == "msg_1")
                #expect(events[0].data["headers"]?["webhook-signature"] == nil)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func hmacBase64WithATimestampAndNoIDHeaderDedupesByBody(kind: StoreKind) async throws {
            let h = try await InboundHarness(kind)
            let body = #"{"verification_token":"t"}"#
            let mac = Data(SpecHMAC.hmacSHA256(key: Array(InboundHarness.notionSecret.utf8), message: Array(body.utf8))).base64EncodedString()
            let now = Int(Date().timeIntervalSince1970)
            try await h.run { client in
                let headers = ["x-notion-signature": mac, "x-notion-timestamp": String(now)]
                let first = try await client.post("/v1/inbound/notion", body: body, headers: headers)
                #expect(first.status == .accepted, "\(first.text)")
                let receipt = try first.decode(InboundReceipt.self)
                let bodyHash = SpecHMAC.hex(SpecHMAC.sha256(Array(body.utf8)))
                #expect(receipt.deliveryID == "sha256:" + bodyHash)
                let again = try await client.post("/v1/inbound/notion", body: body, headers: headers)
                #expect(again.status == .ok)

                try expectProblem(
                    try await client.post("/v1/inbound/notion", body: body, headers: ["x-notion-signature": mac]), .unauthorized)
                try expectProblem(
                    try await client.post(
                        "/v1/inbound/notion", body: body, headers: ["x-notion-signature": mac, "x-notion-timestamp": String(now - 3600)]),
                    .unauthorized)
                let hexInstead = SpecHMAC.hex(SpecHMAC.hmacSHA256(key: Array(InboundHarness.notionSecret.utf8), message: Array(body.utf8)))
                try expectProblem(
                    try await client.post(
                        "/v1/inbound/notion", body: body, headers: ["x-notion-signature": hexInstead, "x-notion-timestamp": String(now)]),
                    .unauthorized)

                let events = try await h.inboundEvents()
                #expect(events.count == 1)
                #expect(events.first?.tenant == "acme" && events.first?.topic == "inbound.notion")
            }
        }

        @Test(arguments: StoreKind.allCases)
        func aTextBodyIsKeptAsTextAndAnOversizedBodyIsRefused(kind: StoreKind) async throws {
            let h = try await InboundHarness(kind, maxBodyBytes: 1000)
            try await h.run { client in
                let text = "payload=not%20json"
                let response = try await client.github(text, delivery: "form-1")
                #expect(response.status == .accepted, "\(response.text)")
                let big = String(repeating: "x", count: 2000)
                let tooLarge = try await client.github(big, delivery: "big")
                #expect(tooLarge.status == .contentTooLarge)
                let events = try await h.inboundEvents()
                #expect(events.count == 1)
                #expect(events.first?.data["body"] == .string(text))
            }
        }

        @Test func publishRefusesInboundTopicsAndKeys() async throws {
            let h = try await InboundHarness(.sqlite)
            try await h.run { client in
                try expectProblem(
                    try await client.send(.post, "/v1/events", json: #"{"topic":"inbound.github","data":{}}"#), .unprocessableContent,
                    type: "validation")
                try expectProblem(
                    try await client.send(.post, "/v1/events", json: #"{"topic":"entry.saved","idempotency_key":"inbound:github:d-1"}"#),
                    .unprocessableContent, type: "validation")
            }
        }
    }
}
