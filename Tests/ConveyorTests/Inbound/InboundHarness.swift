import ConveyorCore
import ConveyorServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing

/// The inbound webhook suites, grouped so `swift test --filter Inbound` runs them all.
@Suite enum InboundTests {}

/// The API over real HTTP (a live server on loopback) with three configured sources:
/// `github` (hmac-sha256, hex, `sha256=`, `x-github-delivery`), `notion` (hmac-sha256,
/// base64, no id header, tenant `acme`), `svix` (Standard Webhooks), `stripe` and `slack`.
struct InboundHarness: Sendable {
    static let githubSecret = "gh-test-secret-1234"
    static let notionSecret = "notion-test-secret"
    /// `whsec_` + base64 of 32 bytes, as Standard Webhooks senders show it.
    static let standardSecret = "whsec_" + Data("0123456789abcdef0123456789abcdef".utf8).base64EncodedString()
    static let stripeSecret = "whsec_stripe_test_secret"
    static let slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"
    static let rotatedSecret = "whsec_" + Data("fedcba9876543210fedcba9876543210".utf8).base64EncodedString()

    let conveyor: Conveyor
    let configuration: ServerConfiguration

    init(_ kind: StoreKind, maxBodyBytes: Int = 1_048_576) async throws {
        var jobs = JobRegistry()
        jobs.register(IndexEntryJob())
        var logger = Logger(label: "test.inbound")
        logger.logLevel = .critical
        conveyor = Conveyor(store: try await kind.make(), registry: jobs, logger: logger)
        var configuration = ServerConfiguration(maxBodyBytes: maxBodyBytes)
        configuration.inboundSources = [
            InboundSource(
                name: "github", scheme: .hmacSHA256, secret: Self.githubSecret, signatureHeader: "X-Hub-Signature-256",
                encoding: .hex, prefix: "sha256=", idHeader: "X-GitHub-Delivery", origin: "config"),
            InboundSource(
                name: "notion", scheme: .hmacSHA256, secret: Self.notionSecret, tenant: "acme", signatureHeader: "x-notion-signature",
                encoding: .base64, timestampHeader: "x-notion-timestamp", origin: "config"),
            InboundSource(name: "svix", scheme: .standardWebhooks, secret: Self.standardSecret, origin: "config"),
            InboundSource(name: "stripe", scheme: .stripe, secret: Self.stripeSecret, origin: "config"),
            InboundSource(name: "slack", scheme: .slack, secret: Self.slackSecret, origin: "config"),
        ]
        self.configuration = configuration
    }

    func run<Value: Sendable>(_ test: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        var logger = Logger(label: "test.inbound.server")
        logger.logLevel = .critical
        let app = buildApplication(
            conveyor: conveyor, configuration: configuration, registry: PrometheusCollectorRegistry(), services: [], logger: logger)
        return try await app.test(.live, test)
    }

    /// Every event on `inbound.*`.
    func inboundEvents() async throws -> [ConveyorCore.LogEvent] {
        try await conveyor.backend.events.readEvents(EventQuery(after: 0, topic: try TopicFilter("inbound.*"), limit: 1000)).events
    }

    func jobs() async throws -> [Job] {
        try await conveyor.listJobs(JobQuery(type: IndexEntryJob.type, limit: 100)).jobs
    }

    /// Runs the triggers while `body` runs.
    func withTriggers<Value: Sendable>(_ body: () async throws -> Value) async throws -> Value {
        let runner = try TriggerRunner(conveyor: conveyor, options: testConsumerOptions(), refreshInterval: .milliseconds(50))
        let running = Task { try await runner.run() }
        defer { running.cancel() }
        return try await body()
    }
}

extension TestClientProtocol {
    func post(_ uri: String, body: String, headers: [String: String]) async throws -> TestResponse {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        for (name, value) in headers { fields[.init(name)!] = value }
        return try await execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(string: body))
    }

    /// A delivery as GitHub sends it, signed with `secret`.
    func github(_ body: String, delivery: String, secret: String = InboundHarness.githubSecret, signature: String? = nil)
        async throws -> TestResponse
    {
        try await post(
            "/v1/inbound/github", body: body,
            headers: [
                "X-Hub-Signature-256": signature ?? SpecHMAC.github(secret: secret, body: body), "X-GitHub-Delivery": delivery,
                "X-GitHub-Event": "push", "User-Agent": "GitHub-Hookshot/test",
            ])
    }

    /// A Standard Webhooks delivery, signed with each of `secrets`.
    func standard(
        _ body: String, id: String, timestamp: Int = Int(Date().timeIntervalSince1970),
        secrets: [String] = [InboundHarness.standardSecret]
    ) async throws -> TestResponse {
        let signature = secrets.map { SpecHMAC.standard(secret: $0, id: id, timestamp: timestamp, body: body) }.joined(separator: " ")
        return try await post(
            "/v1/inbound/svix", body: body,
            headers: ["webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature])
    }
}
