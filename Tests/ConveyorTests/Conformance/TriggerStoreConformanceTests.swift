import ConveyorCore
import Foundation
import Testing

/// The ``TriggerStore`` contract, run once per driver: a trigger and its consumer group
/// (`trigger:<id>`) are made and removed together.
@Suite("TriggerStore conformance")
struct TriggerStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func later(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    func event(_ id: Int64, key: String = "k") -> LogEvent {
        LogEvent(id: id, type: "entry.saved", topic: "entry.saved", key: key, tenant: "default", occurredAt: t0, data: ["n": 1])
    }

    func trigger(_ id: String, tenant: String = "acme", topic: String = "entry.*", at: Date? = nil) -> Trigger {
        Trigger(id: id, tenant: tenant, topic: topic, job: TriggerJob(type: "index"), createdAt: at ?? t0)
    }

    // MARK: createTrigger

    @Test(arguments: StoreKind.allCases)
    func triggersCarryTheirGroupFromTheHead(kind: StoreKind) async throws {
        let store = try await kind.make()
        let before = try await store.appendEvent(NewEvent(topic: "entry.saved", key: "k", tenant: "acme", data: [:])).event
        let trigger = Trigger(
            id: "t1", tenant: "acme", topic: "entry.*",
            job: TriggerJob(type: "index", queue: "search", maxAttempts: 2, backoff: .fixed(seconds: 1), tags: ["x"]),
            createdAt: t0, createdBy: "key:abc")
        let (created, isNew) = try await store.createTrigger(trigger)
        #expect(isNew && created == trigger)
        let (same, again) = try await store.createTrigger(Trigger(id: "t1", tenant: "x", topic: "y", job: TriggerJob(type: "z"), createdAt: t0))
        #expect(!again && same == trigger)
        #expect(try await store.triggers() == [trigger])
        let group = try #require(try await store.consumerGroup("trigger:t1"))
        #expect(group.cursor == before.id && group.topic == "entry.*" && group.tenant == "acme")
        let lease = try #require(try await store.acquireGroupLease(group: "trigger:t1", owner: "a", until: later(10), now: t0))
        _ = try await store.addDeadLetter(lease, event: event(1), attempts: 1, error: "x", now: t0)
        #expect(try await store.deleteTrigger(id: "t1"))
        #expect(try await store.deleteTrigger(id: "t1") == false)
        #expect(try await store.triggers().isEmpty)
        #expect(try await store.consumerGroup("trigger:t1") == nil)
        #expect(try await store.deadLetters(group: "trigger:t1", after: nil, limit: 10).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func createTriggerIsIdempotentUnderConcurrentCreates(kind: StoreKind) async throws {
        let store = try await kind.make()
        let t0 = self.t0
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    try await store.createTrigger(
                        Trigger(id: "same", tenant: "acme", topic: "t\(i)", job: TriggerJob(type: "index"), createdAt: t0)
                    ).created
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 1)
        #expect(try await store.triggers().count == 1)
        #expect(try await store.consumerGroups().map(\.name) == ["trigger:same"])
    }

    // MARK: triggers

    @Test(arguments: StoreKind.allCases)
    func triggersListsEveryTenantsOldestFirst(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.triggers().isEmpty)
        _ = try await store.createTrigger(trigger("c", at: later(2)))
        _ = try await store.createTrigger(trigger("b", tenant: "globex", at: later(1)))
        _ = try await store.createTrigger(trigger("a", at: later(2)))
        let listed = try await store.triggers()
        #expect(listed.map(\.id) == ["b", "a", "c"])
        #expect(listed[0] == trigger("b", tenant: "globex", at: later(1)), "every field round-trips")
    }

    // MARK: deleteTrigger

    @Test(arguments: StoreKind.allCases)
    func deleteTriggerLeavesOtherTriggersAndGroups(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.createTrigger(trigger("t1"))
        _ = try await store.createTrigger(trigger("t2"))
        _ = try await store.registerGroup(GroupRegistration(name: "plain", topic: TopicFilter("*"), start: .earliest), now: t0)
        #expect(try await store.deleteTrigger(id: "t1"))
        #expect(try await store.triggers().map(\.id) == ["t2"])
        #expect(try await store.consumerGroups().map(\.name) == ["plain", "trigger:t2"])
        #expect(try await store.deleteTrigger(id: "plain") == false, "a group is not a trigger")
        // The id is free again, with a fresh group.
        #expect(try await store.createTrigger(trigger("t1", topic: "other.*")).created)
        #expect(try await store.consumerGroup("trigger:t1")?.topic == "other.*")
    }
}
