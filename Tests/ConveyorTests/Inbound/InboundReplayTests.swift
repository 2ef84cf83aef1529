import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ConveyorServer

extension InboundTests {
    /// A captured, validly signed request sent again: under a new unsigned delivery id, or
    /// within a signed-timestamp scheme's window. Signatures are computed by ``SpecHMAC``.
    @Suite("Inbound replays and signed timestamps") struct InboundReplayTests {
        static let push = #"{"ref":"refs/heads/main","commits":[{"id":"abc"}]}"#
        static let charge = #"{"id":"evt_1","object":"event","type":"charge.succeeded"}"#

        /// `x-github-delivery` is not signed: the same body under a new id within the
        /// window is the first event again, not a new one.
        @Test(arguments: StoreKind.allCases)
        func aCapturedGitHubBodyUnderANewDeliveryIDIsNotANewEvent(kind: StoreKind) async throws {
            let h = try await InboundHarness(kind)
            try await h.run { client in
                let first = try await client.github(Self.push, delivery: "d-1")
                #expect(first.status == .accepted, "\(first.text)")
                let receipt = try first.decode(InboundReceipt.self)
                let replayed = try await client.github(Self.push, delivery: "attacker-chosen")
                #expect(replayed.status == .ok, "\(replayed.text)")
                let again = try replayed.decode(InboundReceipt.self)
                #expect(again.duplicate && again.eventID == receipt.eventID)
                // Another body is another delivery.
                #expect(try await client.github(#"{"ref":"refs/heads/dev"}"#, delivery: "d-2").status == .accepted)
                #expect(try await h.inboundEvents().count == 2)
            }
        }

        /// The body guard holds for the source's tolerance window, across restarts (it is
        /// in the store), and lets an identical body through once the window has passed:
        /// the residual risk docs/inbound-webhooks.md names. Standard Webhooks signs its id,
        /// so it needs no body guard.
        @Test(arguments: StoreKind.allCases)
        func theBodyGuardLastsTheToleranceWindowInTheStore(kind: StoreKind) async throws {
            let store = try await kind.make()
            let clock = ManualClock(Date())
            let conveyor = Conveyor(store: store, registry: JobRegistry(), clock: clock)
            let github = InboundSource(name: "github", scheme: .hmacSHA256, secret: "s", signatureHeader: "x-sig", idHeader: "x-id")
            let digest = InboundVerifier.bodyDigest(Array(Self.push.utf8))
            let first = try await conveyor.receiveInbound(from: github, deliveryID: "d-1", bodyDigest: digest, data: ["n": 1])
            #expect(first.created)
            clock.advance(by: 200)
            // A new node over the same store: the guard is stored, not remembered in memory.
            let restarted = Conveyor(store: store, registry: JobRegistry(), clock: clock)
            let replay = try await restarted.receiveInbound(from: github, deliveryID: "d-2", bodyDigest: digest, data: ["n": 2])
            #expect(!replay.created && replay.event.id == first.event.id)
            clock.advance(by: 101)
            let late = try await restarted.receiveInbound(from: github, deliveryID: "d-3", bodyDigest: digest, data: ["n": 3])
            #expect(late.created, "past tolerance_seconds the same body is a new delivery")

            let svix = InboundSource(name: "svix", scheme: .standardWebhooks, secret: InboundHarness.standardSecret)
            let a = try await conveyor.receiveInbound(from: svix, deliveryID: "msg_1", bodyDigest: digest, data: [:])
            let b = try await conveyor.receiveInbound(from: svix, deliveryID: "msg_2", bodyDigest: digest, data: [:])
            #expect(a.created && b.created && a.event.id != b.event.id)
        }

        @Test(arguments: StoreKind.allCases)
        func stripeSignaturesVerifyAndAReplayIsTheSameEvent(kind: StoreKind) async throws {
            let h = try await InboundHarness(kind)
            let now = Int(Date().timeIntervalSince1970)
            try await h.run { client in
                func send(_ signature: String?, body: String = Self.charge) async throws -> TestResponse {
                    try await client.post("/v1/inbound/stripe", body: body, headers: signature.map { ["Stripe-Signature": $0] } ?? [:])
                }
                let signature = SpecHMAC.stripe(secret: InboundHarness.stripeSecret, timestamp: now, body: Self.charge)
                let first = try await send(signature)
                #expect(first.status == .accepted, "\(first.text)")
                let receipt = try first.decode(InboundReceipt.self)
                #expect(receipt.topic == "inbound.stripe" && receipt.deliveryID == InboundVerifier.bodyDigest(Array(Self.charge.utf8)))
                // The same request again (a capture, or Stripe retrying): the same event.
                let again = try await send(signature)
                #expect(try again.status == .ok && again.decode(InboundReceipt.self).eventID == receipt.eventID)
                // A rolled secret: two v1 entries, one of them good.
                let rolled = SpecHMAC.stripe(secret: "whsec_old", timestamp: now, body: Self.charge) + ",v1=" + signature.split(separator: "=").last!
                #expect(try await send(rolled).status == .ok)

                let stale = SpecHMAC.stripe(secret: InboundHarness.stripeSecret, timestamp: now - 301, body: Self.charge)
                let wrongSecret = SpecHMAC.stripe(secret: "whsec_other", timestamp: now, body: Self.charge)
                // The timestamp is signed: moving it forward breaks the signature.
                let movedTime = signature.replacingOccurrences(of: "t=\(now)", with: "t=\(now + 5)")
                let v0Only = signature.replacingOccurrences(of: "v1=", with: "v0=")
                for bad in [stale, wrongSecret, movedTime, v0Only, "v1=abc", "garbage"] {
                    try expectProblem(try await send(bad), .unauthorized)
                }
                try expectProblem(try await send(signature, body: Self.charge + " "), .unauthorized)
                try expectProblem(try await send(nil), .unauthorized)
                #expect(try await h.inboundEvents().count == 1)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func slackSignaturesVerifyAndStaleOnesAreRefused(kind: StoreKind) async throws {
            let h = try await InboundHarness(kind)
            let now = Int(Date().timeIntervalSince1970)
            let body = #"{"type":"event_callback","event_id":"Ev1"}"#
            try await h.run { client in
                func send(_ signature: String?, timestamp: Int?, body: String = body) async throws -> TestResponse {
                    var headers: [String: String] = [:]
                    headers["X-Slack-Signature"] = signature
                    headers["X-Slack-Request-Timestamp"] = timestamp.map(String.init)
                    return try await client.post("/v1/inbound/slack", body: body, headers: headers)
                }
                let signature = SpecHMAC.slack(secret: InboundHarness.slackSecret, timestamp: now, body: body)
                let first = try await send(signature, timestamp: now)
                #expect(first.status == .accepted, "\(first.text)")
                #expect(try await send(signature, timestamp: now).status == .ok, "a replay inside the window is the same event")

                let stale = SpecHMAC.slack(secret: InboundHarness.slackSecret, timestamp: now - 400, body: body)
                try expectProblem(try await send(stale, timestamp: now - 400), .unauthorized)
                try expectProblem(try await send(signature, timestamp: now + 1), .unauthorized)
                try expectProblem(try await send(signature, timestamp: now, body: body + "x"), .unauthorized)
                try expectProblem(try await send(SpecHMAC.slack(secret: "other", timestamp: now, body: body), timestamp: now), .unauthorized)
                try expectProblem(try await send(signature, timestamp: nil), .unauthorized)
                try expectProblem(try await send(nil, timestamp: now), .unauthorized)
                #expect(try await h.inboundEvents().count == 1)
            }
        }

        /// Slack's own example from its documentation ("Verifying requests from Slack"),
        /// and a Stripe signature computed with Python's hmac: the schemes as the senders
        /// define them, not only as our tests' HMAC reads them.
        @Test func publishedAndIndependentlyComputedSignaturesVerify() {
            let slackBody =
                "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
            let slack = InboundSource(name: "slack", scheme: .slack, secret: "8f742231b10e8888abcd99yyyzzz85a5")
            let slackHeaders = [
                "x-slack-request-timestamp": "1531420618",
                "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
            ]
            let slackBytes = Array(slackBody.utf8)
            let at = Date(timeIntervalSince1970: 1_531_420_618 + 60)
            #expect(
                InboundVerifier.verify(slack, header: { slackHeaders[$0] }, body: slackBytes, now: at)
                    == .success(InboundVerifier.bodyDigest(slackBytes)))
            #expect(
                InboundVerifier.verify(slack, header: { slackHeaders[$0] }, body: slackBytes, now: at.addingTimeInterval(300))
                    == .failure(.staleTimestamp))

            let stripe = InboundSource(name: "stripe", scheme: .stripe, secret: "whsec_test_secret")
            let stripeBody = Array(Self.charge.utf8)
            let stripeHeaders = ["stripe-signature": "t=1492774577,v1=91110bb4292e56d95b06660f55b3f65c0157840684729f1271e6da44c1ed57eb"]
            #expect(
                InboundVerifier.verify(stripe, header: { stripeHeaders[$0] }, body: stripeBody, now: Date(timeIntervalSince1970: 1_492_774_600))
                    == .success(InboundVerifier.bodyDigest(stripeBody)))
        }

        /// The new schemes take no hmac-sha256 settings, and the flag accepts them.
        @Test func stripeAndSlackSourcesAreConfiguredByName() throws {
            let bad = InboundSource(name: "stripe", scheme: .stripe, secret: "whsec_x", signatureHeader: "stripe-signature")
            #expect(bad.problems.map(\.field) == ["signature_header"])
            let parsed = try InboundSource(parsing: "payments=stripe:STRIPE_SECRET,tolerance=120", environment: ["STRIPE_SECRET": "whsec_x"])
            #expect(parsed.scheme == .stripe && parsed.toleranceSeconds == 120)
            #expect(try InboundSource(parsing: "chat=slack:SLACK_SECRET", environment: ["SLACK_SECRET": "s"]).scheme == .slack)
        }
    }
}
