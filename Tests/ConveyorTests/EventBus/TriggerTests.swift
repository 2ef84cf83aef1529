import ConveyorCore
import Foundation
import Testing

@testable import ConveyorCore

/// A job type a trigger feeds: its payload is the event.
struct IndexEntryJob: JobHandler {
    typealias Payload = LogEvent
    static let type = "index_entry"

    func run(_ payload: LogEvent, context: JobContext) async throws -> JSONValue? { nil }
}

extension EventBusTests {
    /// Triggers turn events into jobs, once per event, on both stores.
    @Suite("Triggers") struct TriggerTests {
        static func conveyor(_ kind: StoreKind) async throws -> Conveyor {
            var registry = JobRegistry()
            registry.register(IndexEntryJob())
            registry.register(EchoJob())
            return Conveyor.forBus(try await kind.make(), registry: registry)
        }

        static func runner(_ conveyor: Conveyor, configured: [ConfiguredTrigger] = []) throws -> TriggerRunner {
            try TriggerRunner(
                conveyor: conveyor, configured: configured, options: testConsumerOptions(), refreshInterval: .milliseconds(50))
        }

        func jobs(_ conveyor: Conveyor, type: String = IndexEntryJob.type) async throws -> [Job] {
            try await conveyor.listJobs(JobQuery(type: type, limit: 100)).jobs.reversed()
        }

        @Test(arguments: StoreKind.allCases)
        func aTriggerMakesExactlyOneJobPerEventEvenWhenDeliveredTwice(kind: StoreKind) async throws {
            let conveyor = try await Self.conveyor(kind)
            _ = try await conveyor.publishMany(2, topic: "entry.saved")  // before the trigger: not for it
            let trigger = try await conveyor.createTrigger(
                TriggerRequest(topic: "entry.*", job: TriggerJob(type: IndexEntryJob.type, queue: "search", maxAttempts: 2), tenant: "acme"))
            #expect(trigger.tenant == "acme" && trigger.source == "api")
            let runner = try Self.runner(conveyor)
            let running = Task { try await runner.run() }
            var published: [LogEvent] = []
            for n in 0..<3 {
                published.append(
                    try await conveyor.publish(
                        PublishEventRequest(topic: "entry.saved", key: "e\(n)", data: ["n": .number(Double(n))], tenant: "acme")
                    ).event)
            }
            _ = try await conveyor.publish(PublishEventRequest(topic: "entry.saved", key: "x", tenant: "globex"))  // another tenant's
            try await waitUntil("a job per event") { try await jobs(conveyor).count >= 3 }
            // A second delivery of the same events: the idempotency key finds the first jobs.
            let consumer = try runner.consumer(for: trigger)
            for event in published { try await consumer.handler(event) }
            try await Task.sleep(for: .milliseconds(200))
            running.cancel()
            _ = try? await running.value

            // Different keys run concurrently, so the jobs' order is not the events'.
            let made = try await jobs(conveyor).sorted { ($0.payload["id"]?.doubleValue ?? 0) < ($1.payload["id"]?.doubleValue ?? 0) }
            #expect(made.count == 3)
            #expect(made.map(\.idempotencyKey) == published.map { "trigger:\(trigger.id):\($0.id)" })
            #expect(made.allSatisfy { $0.queue == "search" && $0.maxAttempts == 2 && $0.tenant == "acme" })
            #expect(try made.map(\.payload) == published.map { try ConveyorJSON.decode(JSONValue.self, from: ConveyorJSON.encode($0)) })
            #expect(made[0].metadata["conveyor_trigger"]?["depth"] == 1)
        }

        @Test(arguments: StoreKind.allCases)
        func aTriggerOnJobEventsDoesNotFeedItself(kind: StoreKind) async throws {
            let conveyor = try await Self.conveyor(kind)
            _ = try await conveyor.createTrigger(TriggerRequest(topic: "job.*", job: TriggerJob(type: IndexEntryJob.type)))
            let runner = try Self.runner(conveyor)
            let running = Task { try await runner.run() }
            let echo = try await conveyor.enqueue([EnqueueRequest(type: "echo", payload: ["text": "hi"])])[0].job
            try await waitUntil("the trigger's job") { try await jobs(conveyor).count == 1 }
            // Its own job.submitted must not make another, nor that one's another...
            try await Task.sleep(for: .milliseconds(400))
            running.cancel()
            _ = try? await running.value
            let made = try await jobs(conveyor)
            #expect(made.count == 1)
            #expect(made.first?.payload["key"] == .string(echo.id))
        }

        @Test(arguments: StoreKind.allCases)
        func twoNodesRunningTheTriggersMakeOneJobPerEvent(kind: StoreKind) async throws {
            let database = try await ReopenableStore.make(kind)
            var registry = JobRegistry()
            registry.register(IndexEntryJob())
            let nodes = [
                Conveyor.forBus(try await database.open(), registry: registry),
                Conveyor.forBus(try await database.open(), registry: registry),
            ]
            let trigger = try await nodes[0].createTrigger(TriggerRequest(topic: "entry.saved", job: TriggerJob(type: IndexEntryJob.type)))
            let runners = try nodes.map { node in
                let runner = try Self.runner(node)
                return Task { try await runner.run() }
            }
            let published = try await nodes[1].publishMany(6, keys: ["a", "b"])
            try await waitUntil("a job per event") { try await jobs(nodes[0]).count >= 6 }
            try await Task.sleep(for: .milliseconds(300))
            for runner in runners { runner.cancel() }
            for runner in runners { _ = try? await runner.value }
            let made = try await jobs(nodes[1])
            #expect(made.count == 6)
            #expect(Set(made.compactMap(\.idempotencyKey)) == Set(published.map { trigger.idempotencyKey(for: $0) }))
        }

        @Test func configuredTriggersFollowTheConfiguration() async throws {
            let conveyor = try await Self.conveyor(.sqlite)
            let spec = try ConfiguredTrigger(parsing: "entry.saved = index_entry")
            #expect(spec.id == ConfiguredTrigger(topic: "entry.saved", jobType: "index_entry").id && spec.id.hasPrefix("config-"))
            let first = Task { try await Self.runner(conveyor, configured: [spec]).run() }
            try await waitUntil("the config trigger") { try await conveyor.triggers().map(\.id) == [spec.id] }
            first.cancel()
            _ = try? await first.value
            #expect(try await conveyor.triggers().first?.source == "config")
            // Restarted without it: the config trigger goes, an API trigger stays.
            let kept = try await conveyor.createTrigger(TriggerRequest(topic: "a.b", job: TriggerJob(type: IndexEntryJob.type)))
            let second = Task { try await Self.runner(conveyor).run() }
            try await waitUntil("the config trigger to go") { try await conveyor.triggers().map(\.id) == [kept.id] }
            second.cancel()
            _ = try? await second.value
            #expect(throws: ConveyorError.self) { try Self.runner(conveyor, configured: [ConfiguredTrigger(topic: "a", jobType: "nope")]) }
            #expect(throws: ConveyorError.self) { try ConfiguredTrigger(parsing: "no-equals") }
        }
    }
}
