import ConveyorCore
import Foundation
import Testing

/// The config file's `queues` and `circuit_breakers` sections, as `conveyor serve
/// --config` and `conveyor worker --config` apply them.
@Suite("Config file flow control")
struct ConfigFileTests {
    func queues(_ json: String) throws -> [String: QueueSettingsPatch] {
        try ConveyorJSON.decode([String: QueueSettingsPatch].self, from: Data(json.utf8))
    }

    @Test func badQueueSettingsAreRefusedNamingEveryField() async throws {
        let conveyor = Conveyor(store: try await StoreKind.sqlite.make(), registry: JobRegistry())
        let parsed = try queues(
            #"{"scrape":{"concurrency_limit":0,"paused":true,"key_rate_limit":{"count":5,"period_seconds":0}},"bad name":{}}"#)
        do {
            _ = try ConfiguredQueues(conveyor: conveyor, queues: parsed)
            Issue.record("accepted a bad file")
        } catch {
            #expect(
                Set(error.failures.map(\.field)) == [
                    "queues.scrape.concurrency_limit", "queues.scrape.paused", "queues.scrape.key_rate_limit.period_seconds",
                    "queues.bad name",
                ])
        }
        // Unknown fields and wrong types fail at decoding, naming the field.
        #expect(throws: (any Error).self) { try queues(#"{"scrape":{"concurency_limit":3}}"#) }
        #expect(throws: (any Error).self) { try queues(#"{"scrape":{"concurrency_limit":"lots"}}"#) }
    }

    @Test(arguments: StoreKind.allCases)
    func applyingReplacesListedQueuesAndNeverUnpauses(kind: StoreKind) async throws {
        let store = try await kind.make()
        let conveyor = Conveyor(store: store, registry: JobRegistry())
        let now = Date()
        try await store.setQueueSettings(QueueSettings(concurrencyLimit: 7, keyConcurrencyLimit: 2), queue: "scrape", now: now)
        try await store.setQueuePaused(queue: "scrape", paused: true, now: now)
        try await store.setQueueSettings(QueueSettings(concurrencyLimit: 3), queue: "untouched", now: now)

        let configured = try ConfiguredQueues(
            conveyor: conveyor,
            queues: try queues(#"{"scrape":{"key_concurrency_limit":50,"fair":true},"emails":{"rate_limit":{"count":10,"period_seconds":1}}}"#))
        try await configured.apply()
        try await configured.apply()

        #expect(try await store.queueSettings(queue: "scrape") == QueueSettings(paused: true, fair: true, keyConcurrencyLimit: 50))
        #expect(try await store.queueSettings(queue: "emails") == QueueSettings(rateLimit: RateLimit(count: 10, periodSeconds: 1)))
        #expect(try await store.queueSettings(queue: "untouched") == QueueSettings(concurrencyLimit: 3))
        let pauses = try await store.readEvents(EventQuery(after: 0, limit: 100)).events.filter { $0.type.hasPrefix("queue.") }
        #expect(pauses.map(\.type) == [ConveyorCore.LogEvent.queuePaused], "applying writes no pause events")
    }

    @Test func circuitBreakersNeedARegisteredTypeAndAValidPolicy() throws {
        var registry = JobRegistry()
        registry.register(EchoJob())
        let policies = try ConveyorJSON.decode(
            [String: CircuitBreakerPolicy].self,
            from: Data(#"{"echo":{"threshold":0},"ecko":{"threshold":3,"cooldown_seconds":10}}"#.utf8))
        do {
            try registry.applyCircuitBreakers(policies)
            Issue.record("accepted an unknown type")
        } catch {
            #expect(Set(error.failures.map(\.field)) == ["circuit_breakers.echo.threshold", "circuit_breakers.ecko"])
            let unknown = try #require(error.failures.first { $0.field == "circuit_breakers.ecko" })
            #expect(unknown.message.contains("registered types: echo"))
        }
        #expect(registry.handler(for: "echo")?.defaults.circuitBreaker == nil, "a refused file changes nothing")

        try registry.applyCircuitBreakers(
            try ConveyorJSON.decode([String: CircuitBreakerPolicy].self, from: Data(#"{"echo":{"threshold":3}}"#.utf8)))
        #expect(registry.handler(for: "echo")?.defaults.circuitBreaker == CircuitBreakerPolicy(threshold: 3, cooldownSeconds: 60))
        #expect(throws: (any Error).self) {
            try ConveyorJSON.decode([String: CircuitBreakerPolicy].self, from: Data(#"{"echo":{"treshold":3}}"#.utf8))
        }
    }
}
