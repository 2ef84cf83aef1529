import ConveyorCore
import Foundation
import Testing

extension EventBusTests {
    /// The ``EventBusStore`` contract, run once per driver.
    @Suite("Event bus store conformance") struct StoreConformanceTests {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)

        func later(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

        func event(_ id: Int64, key: String = "k") -> LogEvent {
            LogEvent(id: id, type: "entry.saved", topic: "entry.saved", key: key, tenant: "default", occurredAt: t0, data: ["n": 1])
        }

        @Test(arguments: StoreKind.allCases)
        func appendsCustomEventsInTheLogWithIdempotency(kind: StoreKind) async throws {
            let store = try await kind.make()
            let first = try await store.appendEvent(
                NewEvent(topic: "entry.saved", key: "e1", tenant: "acme", data: ["title": "Hi", "tags": ["a"]], idempotencyKey: "k1"))
            #expect(first.created)
            #expect(first.event.type == "entry.saved" && first.event.topic == "entry.saved" && first.event.key == "e1")
            #expect(first.event.tenant == "acme" && first.event.data == ["title": "Hi", "tags": ["a"]])
            let again = try await store.appendEvent(NewEvent(topic: "entry.saved", key: "e1", tenant: "acme", data: ["other": true], idempotencyKey: "k1"))
            #expect(!again.created && again.event == first.event)
            // Keys are per tenant.
            let otherTenant = try await store.appendEvent(NewEvent(topic: "entry.saved", key: "e1", tenant: "globex", data: [:], idempotencyKey: "k1"))
            #expect(otherTenant.created && otherTenant.event.id > first.event.id)
            let unkeyed = try await store.appendEvent(NewEvent(topic: "entry.deleted", key: "", tenant: "acme", data: [:]))
            let page = try await store.readEvents(EventQuery(after: 0, limit: 100))
            #expect(page.events == [first.event, otherTenant.event, unkeyed.event])
            #expect(try await store.readEvents(EventQuery(after: 0, topic: TopicFilter("entry.*"), tenant: "acme")).events.count == 2)
        }

        @Test(arguments: StoreKind.allCases)
        func savesReadsAndDeletesTopicSchemas(kind: StoreKind) async throws {
            let store = try await kind.make()
            #expect(try await store.topicSchema("entry.saved") == nil)
            let schema = TopicSchema(topic: "entry.saved", schema: ["type": "object", "required": ["title"]], updatedAt: t0)
            #expect(try await store.saveTopicSchema(schema))
            #expect(try await store.topicSchema("entry.saved") == schema)
            let replaced = TopicSchema(topic: "entry.saved", schema: ["type": "object"], updatedAt: later(1))
            #expect(try await store.saveTopicSchema(replaced) == false)
            #expect(try await store.topicSchema("entry.saved") == replaced)
            #expect(try await store.deleteTopicSchema("entry.saved"))
            #expect(try await store.deleteTopicSchema("entry.saved") == false)
            #expect(try await store.topicSchema("entry.saved") == nil)
        }

        @Test(arguments: StoreKind.allCases)
        func groupsStartWhereAskedAndKeepTheirCursor(kind: StoreKind) async throws {
            let store = try await kind.make()
            let a = try await store.appendEvent(NewEvent(topic: "t.a", key: "k", tenant: "default", data: [:])).event
            let earliest = try await store.registerGroup(GroupRegistration(name: "g1", topic: TopicFilter("t.*"), start: .earliest), now: t0)
            #expect(earliest.cursor == 0 && earliest.topic == "t.*" && earliest.tenant == nil && earliest.fence == 0)
            let latest = try await store.registerGroup(
                GroupRegistration(name: "g2", topic: TopicFilter("t.a"), tenant: "acme", start: .latest), now: t0)
            #expect(latest.cursor == a.id && latest.tenant == "acme")
            // Registering again changes the filter and keeps the cursor.
            let lease = try #require(try await store.acquireGroupLease(group: "g1", owner: "x", until: later(30), now: t0))
            #expect(try await store.commitGroupCursor(lease, cursor: a.id, gap: nil, now: t0))
            let again = try await store.registerGroup(GroupRegistration(name: "g1", topic: TopicFilter("t.b"), start: .earliest), now: later(1))
            #expect(again.cursor == a.id && again.topic == "t.b")
            #expect(try await store.consumerGroups().map(\.name) == ["g1", "g2"])
            #expect(try await store.consumerGroup("nope") == nil)
        }

        @Test(arguments: StoreKind.allCases)
        func leasesAreExclusiveAndFenced(kind: StoreKind) async throws {
            let store = try await kind.make()
            _ = try await store.registerGroup(GroupRegistration(name: "g", topic: TopicFilter("*"), start: .earliest), now: t0)
            let a = try #require(try await store.acquireGroupLease(group: "g", owner: "a", until: later(10), now: t0))
            #expect(a.fence == 1 && a.cursor == 0)
            #expect(try await store.acquireGroupLease(group: "g", owner: "b", until: later(10), now: later(5)) == nil)
            // Renewing keeps the fence.
            let renewed = try #require(try await store.acquireGroupLease(group: "g", owner: "a", until: later(20), now: later(5)))
            #expect(renewed.fence == a.fence)
            #expect(try await store.commitGroupCursor(a, cursor: 7, gap: nil, now: later(6)))
            // Expired: b takes over with a new fence and the committed cursor.
            let b = try #require(try await store.acquireGroupLease(group: "g", owner: "b", until: later(40), now: later(21)))
            #expect(b.fence == 2 && b.cursor == 7)
            // a is stale now: it can move the cursor neither forward nor back, nor record anything.
            #expect(try await store.commitGroupCursor(a, cursor: 9, gap: nil, now: later(22)) == false)
            #expect(try await store.commitGroupCursor(a, cursor: 1, gap: nil, now: later(22)) == false)
            #expect(try await store.addDeadLetter(a, event: event(3), attempts: 5, error: "x", now: later(22)) == false)
            #expect(try await store.consumerGroup("g")?.cursor == 7)
            // The holder never moves the cursor back either.
            #expect(try await store.commitGroupCursor(b, cursor: 5, gap: nil, now: later(23)))
            #expect(try await store.consumerGroup("g")?.cursor == 7)
            let gap = EventGap(after: 7, through: 12, at: later(24))
            #expect(try await store.commitGroupCursor(b, cursor: 15, gap: gap, now: later(24)))
            let group = try #require(try await store.consumerGroup("g"))
            #expect(group.cursor == 15 && group.lastGap == gap && group.leaseOwner == "b" && group.fence == 2)
            // Released: anyone may take it at once.
            try await store.releaseGroupLease(a)
            #expect(try await store.consumerGroup("g")?.leaseOwner == "b", "a stale release changes nothing")
            try await store.releaseGroupLease(b)
            #expect(try await store.consumerGroup("g")?.leaseOwner == nil)
            let c = try #require(try await store.acquireGroupLease(group: "g", owner: "c", until: later(50), now: later(25)))
            #expect(c.fence == 3 && c.cursor == 15)
        }

        @Test(arguments: StoreKind.allCases)
        func deadLettersAreListedReplayedAndResolved(kind: StoreKind) async throws {
            let store = try await kind.make()
            _ = try await store.registerGroup(GroupRegistration(name: "g", topic: TopicFilter("*"), start: .earliest), now: t0)
            let lease = try #require(try await store.acquireGroupLease(group: "g", owner: "a", until: later(60), now: t0))
            for id in Int64(1)...3 {
                #expect(try await store.addDeadLetter(lease, event: event(id, key: "k\(id)"), attempts: 5, error: "boom \(id)", now: later(Double(id))))
            }
            let letters = try await store.deadLetters(group: "g", after: nil, limit: 10)
            #expect(letters.map(\.event) == [event(1, key: "k1"), event(2, key: "k2"), event(3, key: "k3")])
            #expect(letters.allSatisfy { $0.state == .dead && $0.attempts == 5 && $0.group == "g" && $0.replayRequestedAt == nil })
            #expect(letters[1].error == "boom 2" && letters[1].failedAt == later(2))
            #expect(try await store.deadLetters(group: "g", after: letters[0].id, limit: 1).map(\.id) == [letters[1].id])
            #expect(try await store.consumerGroup("g")?.deadLetters == 3)

            #expect(try await store.requestReplay(group: "g", id: letters[0].id, now: later(10)) == 1)
            #expect(try await store.requestReplay(group: "g", id: letters[0].id, now: later(10)) == 0, "already replaying")
            #expect(try await store.requestReplay(group: "other", id: letters[1].id, now: later(10)) == 0)
            let pending = try await store.pendingReplays(group: "g", limit: 10)
            #expect(pending.map(\.id) == [letters[0].id] && pending[0].state == .replaying && pending[0].replayRequestedAt == later(10))
            // Delivered: gone. Failed again: dead, attempts added up.
            #expect(try await store.finishReplay(lease, id: letters[0].id, failure: nil, now: later(11)))
            #expect(try await store.requestReplay(group: "g", id: nil, now: later(12)) == 2)
            #expect(try await store.finishReplay(lease, id: letters[1].id, failure: ReplayFailure(attempts: 10, error: "again"), now: later(13)))
            let rest = try await store.deadLetters(group: "g", after: nil, limit: 10)
            #expect(rest.map(\.id) == [letters[1].id, letters[2].id])
            #expect(rest[0].state == .dead && rest[0].attempts == 10 && rest[0].error == "again" && rest[0].failedAt == later(13))
            #expect(rest[1].state == .replaying)
            // A stale lease resolves nothing.
            let taken = try #require(try await store.acquireGroupLease(group: "g", owner: "b", until: later(200), now: later(100)))
            #expect(try await store.finishReplay(lease, id: letters[2].id, failure: nil, now: later(101)) == false)
            #expect(try await store.finishReplay(taken, id: letters[2].id, failure: nil, now: later(101)))
            #expect(try await store.deadLetters(group: "g", after: nil, limit: 10).map(\.id) == [letters[1].id])
        }
    }
}
