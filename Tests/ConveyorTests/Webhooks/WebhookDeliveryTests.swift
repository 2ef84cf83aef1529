import ConveyorCore
import ConveyorWebhooks
import Foundation
import Hummingbird
import Testing

@Suite("Webhook delivery") struct WebhookDeliveryTests {
    @Test(arguments: StoreKind.allCases)
    func deliversTheEventSignedWithTheLogsBytes(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        try await LoopbackReceiver.with(ScriptedReplies(204).respond) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            #expect(endpoint.secret.hasPrefix("whsec_"))
            #expect(Data(base64Encoded: String(endpoint.secret.dropFirst(6)))!.count >= 24)
            let event = try await h.publish("order.created", n: 1)
            try await h.publish("invoice.paid", n: 2)  // another topic
            try await h.publish("order.created", tenant: "acme", n: 3)  // another tenant
            #expect(try await h.step() == 1)

            let requests = receiver.received
            try #require(requests.count == 1)
            let request = requests[0]
            #expect(request.method == "POST")
            #expect(request.target == "/hook")
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("webhook-id") == "evt_\(event.id)")
            #expect(request.header("webhook-timestamp") == String(Int64(h.clock.now().timeIntervalSince1970)))
            #expect(SpecVerifier.verify(secret: endpoint.secret, request: request))
            #expect(!SpecVerifier.verify(secret: WebhookSecret.generate(), request: request))
            // The body is the event exactly as GET /v1/events returns it.
            let page = try await h.store.readEvents(EventQuery(after: event.id - 1, limit: 1))
            #expect(request.body == Array(try ConveyorJSON.encode(page.events[0])))

            let deliveries = try await h.deliveries(endpoint)
            try #require(deliveries.count == 1)
            #expect(deliveries[0].state == .succeeded)
            #expect(deliveries[0].eventID == event.id)
            #expect(deliveries[0].attempts.count == 1)
            #expect(deliveries[0].attempts[0].statusCode == 204)
            #expect(deliveries[0].attempts[0].latencyMs >= 0)
            #expect(deliveries[0].attempts[0].nextAttemptAt == nil)
            // Nothing more is due, and a second dispatch makes nothing new.
            #expect(try await h.step() == 0)
            #expect(receiver.received.count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func retriesFollowTheScheduleThenFail(kind: StoreKind) async throws {
        var settings = WebhookHarness.loopbackAllowed
        settings.retrySchedule = [.zero, .seconds(5), .seconds(300)]
        settings.disableAfter = 100
        let h = try await WebhookHarness(kind, settings: settings)
        defer { Task { try? await h.shutdown() } }
        let replies = ScriptedReplies(500)
        try await LoopbackReceiver.with(replies.respond) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            try await h.publish()
            let start = h.clock.now()
            #expect(try await h.step() == 1)
            var delivery = try #require(try await h.deliveries(endpoint).first)
            #expect(delivery.state == .pending)
            #expect(delivery.attempts.last?.statusCode == 500)
            #expect(delivery.attempts.last?.response == "reply 500")
            #expect(delivery.nextAttemptAt == start.addingTimeInterval(5))
            h.clock.advance(by: 4.9)
            #expect(try await h.step() == 0)
            h.clock.advance(by: 0.1)
            #expect(try await h.step() == 1)
            delivery = try #require(try await h.deliveries(endpoint).first)
            #expect(delivery.nextAttemptAt == start.addingTimeInterval(305))
            h.clock.advance(by: 299)
            #expect(try await h.step() == 0)
            h.clock.advance(by: 1)
            #expect(try await h.step() == 1)
            delivery = try #require(try await h.deliveries(endpoint).first)
            #expect(delivery.state == .failed)
            #expect(delivery.nextAttemptAt == nil)
            #expect(delivery.attempts.map(\.attempt) == [1, 2, 3])
            h.clock.advance(by: 100_000)
            #expect(try await h.step() == 0)
            #expect(receiver.received.count == 3)
            // Every attempt carried the same webhook-id.
            #expect(Set(receiver.received.compactMap { $0.header("webhook-id") }).count == 1)
        }
    }

    @Test func theDefaultScheduleIsTheDocumentedOne() {
        let seconds = WebhookSettings().retrySchedule.map { $0.components.seconds }
        #expect(seconds == [0, 5, 300, 1800, 7200, 18000, 36000, 36000])
        #expect(WebhookSettings.parseSchedule("0,5s,5m,30m,2h,5h,10h,10h") == WebhookSettings.defaultRetrySchedule)
        #expect(WebhookSettings.parseSchedule("1,x") == nil)
        let now = Date(timeIntervalSince1970: 1000)
        let settings = WebhookSettings()
        #expect(settings.outcomeAfterFailure(tries: 1, retryAfter: nil, now: now) == .retry(at: now.addingTimeInterval(5)))
        #expect(settings.outcomeAfterFailure(tries: 7, retryAfter: nil, now: now) == .retry(at: now.addingTimeInterval(36000)))
        #expect(settings.outcomeAfterFailure(tries: 8, retryAfter: nil, now: now) == .failed)
        // Retry-After asks for longer than the schedule: honoured; shorter: the schedule wins.
        #expect(settings.outcomeAfterFailure(tries: 1, retryAfter: .seconds(120), now: now) == .retry(at: now.addingTimeInterval(120)))
        #expect(settings.outcomeAfterFailure(tries: 2, retryAfter: .seconds(120), now: now) == .retry(at: now.addingTimeInterval(300)))
    }

    @Test(arguments: StoreKind.allCases)
    func retryAfterIsHonoured(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        let replies = ScriptedReplies(200)
        var headers = HTTPFields()
        headers[.retryAfter] = "120"
        replies.then(503, headers: headers)
        try await LoopbackReceiver.with(replies.respond) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            try await h.publish()
            let start = h.clock.now()
            #expect(try await h.step() == 1)
            let delivery = try #require(try await h.deliveries(endpoint).first)
            #expect(delivery.nextAttemptAt == start.addingTimeInterval(120))
            h.clock.advance(by: 60)
            #expect(try await h.step() == 0)
            h.clock.advance(by: 60)
            #expect(try await h.step() == 1)
            #expect(try await h.deliveries(endpoint).first?.state == .succeeded)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func redirectsAreFailuresAndNotFollowed(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        try await LoopbackReceiver.with({ request in
            var headers = HTTPFields()
            headers[.location] = "/elsewhere"
            return request.target == "/hook" ? .text(302, "moved", headers: headers) : .text(200, "ok")
        }) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            try await h.publish()
            try await h.step()
            #expect(receiver.received.map(\.target) == ["/hook"])
            let delivery = try #require(try await h.deliveries(endpoint).first)
            #expect(delivery.state == .pending)
            #expect(delivery.attempts[0].statusCode == 302)
            #expect(delivery.attempts[0].error?.contains("redirect") == true)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func responseExcerptIsCappedAt1KB(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        try await LoopbackReceiver.with({ _ in .text(200, String(repeating: "x", count: 100_000)) }) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            try await h.publish()
            try await h.step()
            let delivery = try #require(try await h.deliveries(endpoint).first)
            #expect(delivery.state == .succeeded)
            #expect(delivery.attempts[0].response?.utf8.count == 1024)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func disablesAfterFiveFailuresThenResumesWithNothingLost(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        let replies = ScriptedReplies(500)
        try await LoopbackReceiver.with(replies.respond) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            let watcher = try await h.endpoint(receiver.url("/watch"), events: ["webhook.*"])
            for n in 1...5 { try await h.publish(n: n) }
            #expect(try await h.step() == 5)
            var now = try await h.conveyor.webhook(id: endpoint.id)
            #expect(!now.enabled)
            #expect(now.consecutiveFailures == 5)
            #expect(now.disabledReason?.contains("5 failed attempts") == true)
            // The event is in the log, for the endpoint's tenant, and goes to subscribers.
            let events = try await h.store.readEvents(EventQuery(topic: try TopicFilter("webhook.endpoint_disabled"), limit: 10)).events
            try #require(events.count == 1)
            #expect(events[0].key == endpoint.id)
            #expect(events[0].tenant == "default")
            #expect(events[0].data["secret"]?.stringValue?.hasPrefix("whsec_…") == true)
            // Held while disabled: new events still make deliveries, none is sent.
            try await h.publish(n: 6)
            h.clock.advance(by: 10)
            try await h.step()
            #expect(receiver.received.filter { $0.target == "/hook" }.count == 5)
            #expect(try await h.deliveries(endpoint).count == 6)
            #expect(receiver.received.filter { $0.target == "/watch" }.count == 1)
            _ = watcher

            replies.always(200)
            now = try await h.conveyor.updateWebhook(id: endpoint.id, patch: WebhookEndpointPatch(enabled: true), settings: h.settings)
            #expect(now.enabled && now.consecutiveFailures == 0 && now.disabledReason == nil)
            #expect(try await h.step() == 6)
            let deliveries = try await h.deliveries(endpoint)
            #expect(deliveries.count == 6)
            #expect(deliveries.allSatisfy { $0.state == .succeeded })
            let bodies = receiver.received.filter { $0.target == "/hook" && $0.header("webhook-id") != nil }
            #expect(Set(bodies.compactMap { $0.header("webhook-id") }).count == 6)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func redeliverSendsAgain(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        try await LoopbackReceiver.with(ScriptedReplies(200).respond) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            try await h.publish()
            try await h.step()
            let delivery = try #require(try await h.deliveries(endpoint).first)
            #expect(delivery.state == .succeeded)
            let again = try await h.conveyor.redeliverWebhook(deliveryID: delivery.id)
            #expect(again.state == .pending)
            #expect(try await h.step() == 1)
            #expect(receiver.received.count == 2)
            #expect(receiver.received[0].header("webhook-id") == receiver.received[1].header("webhook-id"))
            #expect(receiver.received[0].body == receiver.received[1].body)
            let after = try #require(try await h.deliveries(endpoint).first)
            #expect(after.state == .succeeded)
            #expect(after.attempts.map(\.attempt) == [1, 2])
            // Another tenant's caller cannot see it.
            let intruder = Caller(credential: .apiKey(id: "x"), tenant: "acme", scopes: [.webhooksManage])
            await #expect(throws: ConveyorError.self) { try await h.conveyor.redeliverWebhook(deliveryID: delivery.id, as: intruder) }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func rotationSignsWithBothSecretsDuringTheOverlapOnly(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        try await LoopbackReceiver.with(ScriptedReplies(200).respond) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            let old = endpoint.secret
            let rotated = try await h.conveyor.rotateWebhookSecret(
                id: endpoint.id, request: WebhookRotateRequest(overlapSeconds: 3600), settings: h.settings)
            let new = rotated.secret
            #expect(new != old && new.hasPrefix("whsec_"))
            #expect(rotated.previousSecretExpiresAt == h.clock.now().addingTimeInterval(3600))
            // Reads mask it.
            #expect(try await h.conveyor.webhook(id: endpoint.id).secret == "whsec_…" + String(new.suffix(4)))

            try await h.publish(n: 1)
            try await h.step()
            let during = try #require(receiver.received.last)
            #expect(during.header("webhook-signature")?.split(separator: " ").count == 2)
            #expect(SpecVerifier.verify(secret: old, request: during))
            #expect(SpecVerifier.verify(secret: new, request: during))

            h.clock.advance(by: 3601)
            try await h.publish(n: 2)
            try await h.step()
            let after = try #require(receiver.received.last)
            #expect(after.header("webhook-signature")?.split(separator: " ").count == 1)
            #expect(!SpecVerifier.verify(secret: old, request: after))
            #expect(SpecVerifier.verify(secret: new, request: after))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRestartMidDeliveryLosesNothingAndDuplicatesNoRow(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        try await LoopbackReceiver.with(ScriptedReplies(200).respond) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            let event = try await h.publish()
            // A dispatcher that stops after inserting but before its cursor commit would
            // insert the same pairs again on restart: nothing new is made.
            let cursor = try await h.store.webhookDispatchCursor()
            try await h.dispatcher.tick()
            let again = NewWebhookDelivery(
                id: "dlv_again", endpointID: endpoint.id, eventID: event.id, eventType: event.type, tenant: event.tenant, body: "{}")
            #expect(try await h.store.dispatchWebhookDeliveries([again], cursor: cursor, now: h.clock.now()) == 0)
            #expect(try await h.store.webhookDispatchCursor() >= event.id)
            // A sender claims it and dies before sending.
            let now = h.clock.now()
            let lost = try await h.store.claimWebhookDeliveries(owner: "dead", limit: 10, leaseUntil: now.addingTimeInterval(60), now: now)
            #expect(lost.count == 1)
            #expect(try await h.step() == 0)  // leased to the dead sender
            h.clock.advance(by: 61)
            let restarted = h.anotherSender(owner: "restarted")
            #expect(try await restarted.sendDue() == 1)
            try await restarted.shutdown()
            #expect(receiver.received.count == 1)
            // The dead sender's late write changes nothing.
            let late = try await h.store.recordWebhookAttempt(
                deliveryID: lost[0].id, owner: "dead",
                attempt: WebhookAttempt(attempt: 1, at: now, statusCode: 500, latencyMs: 1, response: nil, error: "x", nextAttemptAt: nil),
                outcome: .failed, disableAfter: 5, now: now)
            #expect(late == nil)
            let deliveries = try await h.deliveries(endpoint)
            #expect(deliveries.count == 1)
            #expect(deliveries[0].state == .succeeded)
            #expect(deliveries[0].attempts.count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theServiceDeliversAndARestartedOneNeitherLosesNorRepeats(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        try await LoopbackReceiver.with(ScriptedReplies(200).respond) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            let first = WebhookService(conveyor: h.conveyor, settings: h.settings, owner: "node-a", pollInterval: .milliseconds(50))
            let running = Task { try await first.run() }
            for n in 1...3 { try await h.publish(n: n) }
            try await waitUntil { receiver.received.count == 3 }
            running.cancel()
            _ = try? await running.value
            // Events appended while nothing runs go out after the restart.
            for n in 4...5 { try await h.publish(n: n) }
            let second = WebhookService(conveyor: h.conveyor, settings: h.settings, owner: "node-b", pollInterval: .milliseconds(50))
            let again = Task { try await second.run() }
            try await waitUntil { receiver.received.count == 5 }
            try await Task.sleep(for: .milliseconds(200))
            again.cancel()
            _ = try? await again.value
            #expect(receiver.received.count == 5)
            #expect(Set(receiver.received.compactMap { $0.header("webhook-id") }).count == 5)
            #expect(try await h.deliveries(endpoint).count == 5)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anOrderedEndpointGetsOneAtATimeInOrder(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        let replies = ScriptedReplies(200)
        replies.then(500)
        try await LoopbackReceiver.with(replies.respond) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"), ordered: true)
            #expect(endpoint.maxConcurrency == 1)
            var ids: [Int64] = []
            for n in 1...3 { ids.append(try await h.publish(n: n).id) }
            #expect(try await h.step() == 1)  // the first fails
            #expect(try await h.step() == 0)  // the later ones wait behind it
            h.clock.advance(by: 5)
            for _ in 0..<5 { try await h.step() }
            #expect(receiver.received.compactMap { $0.header("webhook-id") } == ["evt_\(ids[0])", "evt_\(ids[0])", "evt_\(ids[1])", "evt_\(ids[2])"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrencyIsLimitedPerEndpoint(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        try await LoopbackReceiver.with(ScriptedReplies(200).respond) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"), maxConcurrency: 2)
            let other = try await h.endpoint(receiver.url("/other"))
            for n in 1...5 { try await h.publish(n: n) }
            while try await h.dispatcher.tick() {}
            let now = h.clock.now()
            let claimed = try await h.store.claimWebhookDeliveries(owner: "x", limit: 100, leaseUntil: now.addingTimeInterval(60), now: now)
            #expect(claimed.filter { $0.endpoint.id == endpoint.id }.count == 2)
            #expect(claimed.filter { $0.endpoint.id == other.id }.count == 5)
            // While those two are in flight, no third is handed out.
            let more = try await h.store.claimWebhookDeliveries(owner: "y", limit: 100, leaseUntil: now.addingTimeInterval(60), now: now)
            #expect(more.isEmpty)
            _ = receiver
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theDeliveryLogPagesNewestFirst(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        try await LoopbackReceiver.with(ScriptedReplies(200).respond) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            for n in 1...5 { try await h.publish(n: n) }
            try await h.step()
            let first = try await h.conveyor.webhookDeliveries(endpointID: endpoint.id, cursor: nil, limit: 2)
            let second = try await h.conveyor.webhookDeliveries(endpointID: endpoint.id, cursor: first.nextCursor, limit: 2)
            let third = try await h.conveyor.webhookDeliveries(endpointID: endpoint.id, cursor: second.nextCursor, limit: 2)
            let all = (first.deliveries + second.deliveries + third.deliveries).map(\.eventID)
            #expect(all.count == 5)
            #expect(all == all.sorted(by: >))
            #expect(third.nextCursor == nil)
        }
    }
}

@Suite("Webhook delivery log retention") struct WebhookRetentionTests {
    @Test(arguments: StoreKind.allCases)
    func finishedDeliveriesArePrunedPendingOnesKept(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        let replies = ScriptedReplies(200)
        replies.then(200)
        replies.then(500)
        try await LoopbackReceiver.with(replies.respond) { receiver in
            let endpoint = try await h.endpoint(receiver.url("/hook"), ordered: true)
            try await h.publish(n: 1)
            try await h.publish(n: 2)
            try await h.step()  // the first succeeds
            try await h.step()  // the second fails and stays pending
            h.clock.advance(by: 3600)
            #expect(try await h.store.pruneWebhookDeliveries(before: h.clock.now(), limit: 100) == 1)
            let left = try await h.deliveries(endpoint)
            #expect(left.map(\.state) == [.pending])
        }
    }
}

@Suite("Webhook dispatch") struct WebhookDispatchTests {
    /// Without endpoints the cursor moves to the head without reading events; an endpoint
    /// gets the events appended after its creation, not earlier ones.
    @Test(arguments: StoreKind.allCases)
    func anEndpointReceivesEventsFromItsCreationOn(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        try await LoopbackReceiver.with(ScriptedReplies(200).respond) { receiver in
            let before = try await h.publish(n: 1)
            #expect(try await h.step() == 0)
            #expect(try await h.store.webhookDispatchCursor() >= before.id)
            let early = try await h.publish(n: 2)  // after the dispatch, before the endpoint
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            let after = try await h.publish(n: 3)
            #expect(try await h.step() == 1)
            #expect(receiver.received.map { $0.header("webhook-id") } == ["evt_\(after.id)"])
            #expect(try await h.deliveries(endpoint).map(\.eventID) == [after.id])
            _ = early
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aNewEndpointIsNotKeptWaitingBehindHistory(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind)
        defer { Task { try? await h.shutdown() } }
        // A small batch makes 40 old events several batches of history the dispatcher
        // never read (it was not running, as in a fresh `serve` on an old log).
        let dispatcher = WebhookDispatcher(conveyor: h.conveyor, batchSize: 5)
        try await LoopbackReceiver.with(ScriptedReplies(200).respond) { receiver in
            for n in 0..<40 { try await h.publish(n: n) }
            let endpoint = try await h.endpoint(receiver.url("/hook"))
            let wanted = try await h.publish(n: 99)
            // One wake-up's worth of work reaches the new event: the dispatcher starts at the
            // endpoint's creation rather than paging through what no endpoint can want.
            while try await dispatcher.tick() {}
            #expect(try await h.deliveries(endpoint).map(\.eventID) == [wanted.id])
        }
    }
}
