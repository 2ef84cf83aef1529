import ConveyorCore
import ConveyorHTTPJob
import ConveyorWebhooks
import Crypto
import Foundation
import Hummingbird
import Logging
import Synchronization

/// A conveyor on a fresh store with a manual clock, a dispatcher and a sender driven step
/// by step, so tests decide exactly when deliveries are made and sent.
struct WebhookHarness {
    let conveyor: Conveyor
    let clock: ManualClock
    let settings: WebhookSettings
    let dispatcher: WebhookDispatcher
    let sender: WebhookSender
    let store: any StoreDriver

    /// Loopback is allowed by default: the receiver lives there.
    static let loopbackAllowed = WebhookSettings(targets: OutboundTargetPolicy(allowHosts: ["127.0.0.1"], allowOption: "--webhook-allow-host"))

    init(
        _ kind: StoreKind, settings: WebhookSettings = WebhookHarness.loopbackAllowed, owner: String = "sender-1",
        resolve: (@Sendable (String) async -> [IPAddress])? = nil
    ) async throws {
        var logger = Logger(label: "test.webhooks")
        logger.logLevel = .critical
        clock = ManualClock(Date().truncatedToMilliseconds)
        store = try await kind.make()
        conveyor = Conveyor(store: store, registry: JobRegistry(), clock: clock, logger: logger)
        self.settings = settings
        dispatcher = WebhookDispatcher(conveyor: conveyor)
        sender = WebhookSender(
            conveyor: conveyor, settings: settings, owner: owner, resolve: resolve ?? { TargetResolver.resolve($0) })
    }

    /// A second sender on the same store (another node, or this one after a restart).
    func anotherSender(owner: String) -> WebhookSender {
        WebhookSender(conveyor: conveyor, settings: settings, owner: owner)
    }

    func shutdown() async throws {
        try await sender.shutdown()
    }

    func endpoint(
        _ url: String, events: [String] = ["order.*"], tenant: String = "default", ordered: Bool? = nil, maxConcurrency: Int? = nil,
        secret: String? = nil
    ) async throws -> WebhookEndpoint {
        try await conveyor.createWebhook(
            WebhookEndpointRequest(
                url: url, events: events, secret: secret, ordered: ordered, maxConcurrency: maxConcurrency, tenant: tenant),
            settings: settings)
    }

    @discardableResult
    func publish(_ topic: String = "order.created", tenant: String = "default", n: Int = 0) async throws -> ConveyorCore.LogEvent {
        try await conveyor.publish(PublishEventRequest(topic: topic, key: "k\(n)", data: ["n": .number(Double(n))], tenant: tenant)).event
    }

    /// Dispatches what the log holds, then sends what is due. Returns how many were sent.
    @discardableResult
    func step() async throws -> Int {
        while try await dispatcher.tick() {}
        return try await sender.sendDue()
    }

    func deliveries(_ endpoint: WebhookEndpoint) async throws -> [WebhookDelivery] {
        try await store.webhookDeliveries(endpointID: endpoint.id, cursor: nil, limit: 500).deliveries
    }
}

/// Standard Webhooks verification, written from the specification for the tests (not the
/// code under test): the signed content is `id.timestamp.body`, the key is the base64
/// after `whsec_`, and the header holds space-separated `v1,<base64>` signatures.
enum SpecVerifier {
    static func expectedSignature(secret: String, id: String, timestamp: String, body: [UInt8]) -> String {
        precondition(secret.hasPrefix("whsec_"))
        let key = SymmetricKey(data: Data(base64Encoded: String(secret.dropFirst("whsec_".count)))!)
        let content = Array("\(id).\(timestamp).".utf8) + body
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: key)
        return Data(mac).base64EncodedString()
    }

    /// True when one of the header's `v1` signatures matches `secret`.
    static func verify(secret: String, request: LoopbackReceiver.Received) -> Bool {
        guard let id = request.header("webhook-id"), let timestamp = request.header("webhook-timestamp"),
            let header = request.header("webhook-signature")
        else { return false }
        let expected = expectedSignature(secret: secret, id: id, timestamp: timestamp, body: request.body)
        return header.split(separator: " ").contains { part in
            let pieces = part.split(separator: ",", maxSplits: 1)
            return pieces.count == 2 && pieces[0] == "v1" && pieces[1] == expected
        }
    }
}

/// Answers requests from a script that the test can change as it goes.
final class ScriptedReplies: Sendable {
    private let replies = Mutex<[(status: Int, headers: HTTPFields)]>([])
    private let fallback = Mutex<Int>(200)

    init(_ status: Int = 200) {
        fallback.withLock { $0 = status }
    }

    /// Answers every later request with `status` (after the queued replies).
    func always(_ status: Int) { fallback.withLock { $0 = status } }

    func then(_ status: Int, headers: HTTPFields = [:]) { replies.withLock { $0.append((status, headers)) } }

    var respond: LoopbackReceiver.Respond {
        { _ in
            let next = self.replies.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            if let next { return .text(next.status, "reply \(next.status)", headers: next.headers) }
            let status = self.fallback.withLock { $0 }
            return .text(status, "reply \(status)")
        }
    }
}
