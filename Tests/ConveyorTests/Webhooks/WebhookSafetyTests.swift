import ConveyorCore
import ConveyorHTTPJob
import ConveyorWebhooks
import Foundation
import Testing

@Suite("Webhook target safety") struct WebhookSafetyTests {
    static let refused = [
        "http://127.0.0.1/hook", "http://127.8.9.10/", "http://[::1]/", "http://0.0.0.0/", "http://[::]/",
        "http://10.1.2.3/", "http://172.16.0.1/", "http://172.31.255.255/", "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data", "http://[fe80::1]/", "http://100.64.0.1/", "http://100.127.255.255/",
        "http://[fc00::1]/", "http://[fd12:3456::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/",
        "http://[::ffff:169.254.169.254]/", "http://[64:ff9b::7f00:1]/", "http://224.0.0.1/",
        // This machine by name, and loopback spelled as a number.
        "http://localhost:8080/hook", "http://2130706433/",
    ]

    @Test(arguments: refused)
    func creationRefusesPrivateTargets(url: String) async throws {
        let conveyor = Conveyor(store: try await StoreKind.sqlite.make(), registry: JobRegistry())
        let error = await #expect(throws: ConveyorError.self) {
            try await conveyor.createWebhook(WebhookEndpointRequest(url: url, events: ["*"]), settings: WebhookSettings())
        }
        #expect(error?.code == .validation)
        #expect(error?.failures.map(\.field) == ["url"], "\(url): \(String(describing: error))")
    }

    @Test func validationNamesTheField() async throws {
        let conveyor = Conveyor(store: try await StoreKind.sqlite.make(), registry: JobRegistry())
        let settings = WebhookSettings()
        let error = await #expect(throws: ConveyorError.self) {
            try await conveyor.createWebhook(
                WebhookEndpointRequest(url: "https://93.184.215.14/", events: ["a*b"], secret: "nope", maxConcurrency: 0), settings: settings)
        }
        #expect(Set(error?.failures.map(\.field) ?? []) == ["events[0]", "secret", "max_concurrency"])
    }

    /// DNS rebinding: the name passed at creation (it did not resolve), and resolves to
    /// loopback when the delivery is made. Nothing is sent; the attempt says why.
    @Test(arguments: StoreKind.allCases)
    func deliveryTimeRefusesANameThatNowResolvesToLoopback(kind: StoreKind) async throws {
        let settings = WebhookSettings()  // no allow-list
        let h = try await WebhookHarness(kind, settings: settings, resolve: { host in
            host == "rebind.invalid" ? [IPAddress("127.0.0.1")!] : TargetResolver.resolve(host)
        })
        defer { Task { try? await h.shutdown() } }
        try await LoopbackReceiver.with(ScriptedReplies(200).respond) { receiver in
            let endpoint = try await h.endpoint("http://rebind.invalid:\(receiver.port)/hook")
            try await h.publish()
            #expect(try await h.step() == 1)
            #expect(receiver.received.isEmpty)
            let delivery = try #require(try await h.deliveries(endpoint).first)
            #expect(delivery.state == .pending)
            #expect(delivery.attempts[0].statusCode == nil)
            #expect(delivery.attempts[0].error?.contains("refused") == true)
            #expect(delivery.attempts[0].error?.contains("loopback") == true)
        }
    }

    /// An endpoint allowed when it was made (the allow-list changed since) is checked again.
    @Test(arguments: StoreKind.allCases)
    func deliveryTimeRefusesALiteralAddressNoLongerAllowed(kind: StoreKind) async throws {
        let h = try await WebhookHarness(kind, settings: WebhookSettings())
        defer { Task { try? await h.shutdown() } }
        try await LoopbackReceiver.with(ScriptedReplies(200).respond) { receiver in
            // Made through the store directly, as if it had been allowed when created.
            let now = h.clock.now()
            let endpoint = try await h.store.createWebhookEndpoint(
                WebhookEndpoint(
                    id: "wh_test", tenant: "default", url: receiver.url("/hook"), events: ["*"], description: "",
                    secret: WebhookSecret.generate(), createdAt: now, updatedAt: now))
            try await h.publish()
            try await h.step()
            #expect(receiver.received.isEmpty)
            #expect(try await h.deliveries(endpoint).first?.attempts.first?.error?.contains("refused") == true)
        }
    }
}
