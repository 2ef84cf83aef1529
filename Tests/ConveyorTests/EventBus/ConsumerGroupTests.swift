import ConveyorCore
import Foundation
import ConveyorSQLite
import Testing

extension EventBusTests {
    /// Durable consumer groups end to end, on both stores: ordering per key, retries and
    /// dead letters, restarts, and one active consumer per group.
    @Suite("Consumer groups") struct ConsumerGroupTests {
        struct Boom: Error, CustomStringConvertible {
            var description: String { "boom" }
        }

        @Test(arguments: StoreKind.allCases)
        func deliversEveryEventInOrderPerKey(kind: StoreKind) async throws {
            let conveyor = Conveyor.forBus(try await kind.make())
            let seen = Deliveries()
            let consumer = try conveyor.subscribe(topic: "entry.*", group: "indexer", options: testConsumerOptions()) { event in
                // Uneven handler times: without per-key ordering, later events would overtake.
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...5)))
                await seen.record(event)
            }
            let running = RunningConsumer.start(consumer)
            let published = try await conveyor.publishMany(40, keys: ["a", "b", "c", "d"])
            _ = try await conveyor.publish(PublishEventRequest(topic: "other.topic", key: "a"))
            try await waitUntil("every event delivered") { await seen.ids.count >= 40 }
            // The cursor is committed once a batch is done, just after its last handler.
            try await waitUntil("the cursor past the last event") {
                try await conveyor.backend.eventBus.consumerGroup("indexer")?.cursor ?? 0 >= published.last!.id
            }
            await running.stop()
            #expect(Set(await seen.ids) == Set(published.map(\.id)))
            for key in ["a", "b", "c", "d"] {
                let expected = published.filter { $0.key == key }.map(\.id)
                #expect(await seen.ids(key: key) == expected, "key \(key) out of order")
            }
            let group = try #require(try await conveyor.subscriptions().first { $0.name == "indexer" })
            #expect(group.leaseOwner == nil, "a consumer that stops releases its lease")
        }

        @Test(arguments: StoreKind.allCases)
        func aFailingEventIsRetriedThenDeadLetteredThenReplayed(kind: StoreKind) async throws {
            let conveyor = Conveyor.forBus(try await kind.make())
            let seen = Deliveries()
            let healed = Flag()
            let failedAt = Instants()
            var options = testConsumerOptions(maxAttempts: 3)
            options.backoff = .list(seconds: [0.05, 0.1])
            let consumer = try conveyor.subscribe(topic: "entry.saved", group: "mailer", options: options) { event in
                await seen.record(event)
                if event.data["n"] == 1, !healed.isSet {
                    await failedAt.record()
                    throw Boom()
                }
            }
            let running = RunningConsumer.start(consumer)
            let published = try await conveyor.publishMany(3, keys: ["same"])
            // Event 1 fails three times, is dead-lettered, and its key moves on to event 2.
            try await waitUntil("the key to move past the poisoned event") { await seen.count(published[2].id) == 1 }
            #expect(await seen.ids == [published[0].id, published[1].id, published[1].id, published[1].id, published[2].id])
            // The retries waited the backoff: 50 ms, then 100 ms.
            let gaps = await failedAt.gaps
            #expect(gaps.count == 2 && gaps[0] >= .milliseconds(50) && gaps[1] >= .milliseconds(100), "\(gaps)")
            let letters = try await conveyor.deadLetters(group: "mailer").deadLetters
            #expect(letters.count == 1)
            let letter = try #require(letters.first)
            #expect(try json(letter.event) == json(published[1]) && letter.attempts == 3 && letter.error == "boom" && letter.state == .dead)

            healed.set()
            let replay = try await conveyor.replayDeadLetter(group: "mailer", id: letter.id)
            #expect(replay.replaying == 1)
            try await waitUntil("the replay to deliver") { try await conveyor.deadLetters(group: "mailer").deadLetters.isEmpty }
            #expect(await seen.count(published[1].id) == 4)
            await running.stop()
            await #expect(throws: ConveyorError.self) { try await conveyor.replayDeadLetter(group: "mailer", id: letter.id) }
        }

        @Test func aGroupCanConsumeJobEvents() async throws {
            var registry = JobRegistry()
            registry.register(EchoJob())
            let conveyor = Conveyor.forBus(try await StoreKind.sqlite.make(), registry: registry)
            let seen = Deliveries()
            let running = RunningConsumer.start(
                try conveyor.subscribe(topic: "job.*", group: "audit", options: testConsumerOptions()) { await seen.record($0) })
            try await waitUntil("the group to exist") { try await conveyor.backend.eventBus.consumerGroup("audit")?.leaseOwner != nil }
            let job = try await conveyor.enqueue([EnqueueRequest(type: "echo", payload: ["text": "hi"])])[0].job
            _ = try await conveyor.cancel(id: job.id)
            try await waitUntil("both job events") { await seen.ids.count == 2 }
            await running.stop()
            let events = await seen.events.map(\.event)
            #expect(events.map(\.type) == ["job.submitted", "job.cancelled"] && events.allSatisfy { $0.key == job.id })
            #expect(try events.first?.job()?.payload == ["text": "hi"])
        }

        @Test func aHandlerCanDeadLetterAtOnce() async throws {
            let conveyor = Conveyor.forBus(try await StoreKind.sqlite.make())
            let seen = Deliveries()
            let consumer = try conveyor.subscribe(topic: "entry.saved", group: "strict", options: testConsumerOptions(maxAttempts: 5)) { event in
                await seen.record(event)
                throw DeadLetterNow("malformed entry")
            }
            let running = RunningConsumer.start(consumer)
            let published = try await conveyor.publishMany(1)
            try await waitUntil("the dead letter") { try await !conveyor.deadLetters(group: "strict").deadLetters.isEmpty }
            await running.stop()
            let letter = try #require(try await conveyor.deadLetters(group: "strict").deadLetters.first)
            #expect(letter.attempts == 1 && letter.error == "malformed entry")
            #expect(await seen.ids == [published[0].id])
        }

        @Test(arguments: StoreKind.allCases)
        func aRestartedConsumerSkipsNothing(kind: StoreKind) async throws {
            let database = try await ReopenableStore.make(kind)
            let first = Conveyor.forBus(try await database.open())
            let published = try await first.publishMany(60, keys: ["a", "b", "c"])
            let seen = Deliveries()
            let slow = try first.subscribe(topic: "entry.saved", group: "projector", options: testConsumerOptions(batchSize: 7)) { event in
                try await Task.sleep(for: .milliseconds(5))
                await seen.record(event, by: "first")
            }
            let running = RunningConsumer.start(slow)
            try await waitUntil("the first consumer to be mid-stream") { await seen.ids.count >= 20 }
            // A graceful stop mid-stream; the process ends.
            await running.stop()
            let handledBefore = await seen.ids.count
            #expect(handledBefore < 60, "the stop must come mid-stream for this test to mean something")

            // A new process: a new store and Conveyor on the same database.
            let second = Conveyor.forBus(try await database.open())
            let more = try await second.publishMany(5, keys: ["d"])
            let resumed = try second.subscribe(topic: "entry.saved", group: "projector", options: testConsumerOptions()) { event in
                await seen.record(event, by: "second")
            }
            let again = RunningConsumer.start(resumed)
            let all = Set((published + more).map(\.id))
            try await waitUntil("every event handled") { all.isSubset(of: Set(await seen.ids)) }
            await again.stop()
            // At least once: the batch in flight at the stop may come twice, nothing is lost.
            let events = await seen.events
            #expect(Set(events.map(\.event.id)) == all)
            for key in ["a", "b", "c"] {
                let order = events.filter { $0.event.key == key && $0.consumer == "second" }.map(\.event.id)
                #expect(order == order.sorted(), "key \(key) out of order after the restart")
            }
        }

        @Test(arguments: StoreKind.allCases)
        func oneConsumerPerGroupIsActiveAndAnotherTakesOverWhenItDies(kind: StoreKind) async throws {
            let clock = ManualClock()
            let database = try await ReopenableStore.make(kind)
            // Two nodes: each its own store (pool) and Conveyor on the same database.
            let (storeA, storeB) = (try await database.open(), try await database.open())
            let nodeA = Conveyor.forBus(storeA, clock: clock)
            let nodeB = Conveyor.forBus(storeB, clock: clock)
            let seen = Deliveries()
            let lease = Duration.seconds(3)
            func consumer(_ node: Conveyor, _ name: String) throws -> EventConsumer {
                try node.subscribe(topic: "entry.saved", group: "sync", options: testConsumerOptions(owner: name, lease: lease)) { event in
                    await seen.record(event, by: name)
                }
            }
            let a = RunningConsumer.start(try consumer(nodeA, "a"))
            try await waitUntil("a to hold the lease") { try await storeA.consumerGroup("sync")?.leaseOwner == "a" }
            let b = RunningConsumer.start(try consumer(nodeB, "b"))
            let firstBatch = try await nodeA.publishMany(10)
            try await waitUntil("the first batch") { await seen.ids.count >= 10 }
            // b ran all along, and delivered nothing: the group has one active consumer.
            try await Task.sleep(for: .milliseconds(300))
            #expect(await seen.consumers == ["a"])
            #expect(try await storeB.consumerGroup("sync")?.leaseOwner == "a")

            try await waitUntil("a to commit the first batch") {
                try await storeA.consumerGroup("sync")?.cursor ?? 0 >= firstBatch.last!.id
            }
            // a dies without releasing its lease. Until the lease expires nobody delivers.
            await a.die()
            let secondBatch = try await nodeB.publishMany(10)
            try await Task.sleep(for: .milliseconds(1500))
            #expect(await seen.ids.count == 10, "the dead holder's lease has not expired yet")
            clock.advance(by: 4)
            try await waitUntil("b to take over") { Set(await seen.ids).isSuperset(of: secondBatch.map(\.id)) }
            await b.stop()
            #expect(Set(await seen.ids) == Set((firstBatch + secondBatch).map(\.id)))
            let byB = await seen.events.filter { $0.consumer == "b" }.map(\.event.id)
            #expect(Set(byB) == Set(secondBatch.map(\.id)), "b starts at a's cursor")
            let group = try #require(try await storeB.consumerGroup("sync"))
            #expect(group.fence == 2)
        }

        @Test func aGroupBehindTheRetentionRecordsTheGap() async throws {
            let store = try await StoreKind.sqlite.make()
            let conveyor = Conveyor.forBus(store)
            let old = try await conveyor.publishMany(5)
            _ = try await store.registerGroup(GroupRegistration(name: "late", topic: TopicFilter("entry.*"), start: .earliest), now: Date())
            _ = try await store.pruneEvents(before: Date().addingTimeInterval(60), limit: 3)
            let seen = Deliveries()
            let running = RunningConsumer.start(
                try conveyor.subscribe(topic: "entry.*", group: "late", options: testConsumerOptions()) { await seen.record($0) })
            try await waitUntil("the retained events and the gap") {
                let count = await seen.ids.count
                return try await conveyor.subscriptions().first?.lastGap != nil && count == 2
            }
            await running.stop()
            // Events 3 and 4 have different keys, so they may be delivered in either order.
            #expect(Set(await seen.ids) == [old[3].id, old[4].id])
            let gap = try #require(try await conveyor.subscriptions().first?.lastGap)
            #expect(gap.after == 0 && gap.through == old[2].id)
        }

        @Test func subscribingValidatesItsArguments() throws {
            let conveyor = Conveyor.forBus(try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite")))
            var options = ConsumerOptions()
            options.maxAttempts = 0
            #expect {
                _ = try conveyor.subscribe(topic: "a*b", group: "trigger:x", options: options) { _ in }
            } throws: { error in
                let fields = Set((error as? ConveyorError)?.failures.map(\.field) ?? [])
                return fields == ["topic", "group", "maxAttempts"]
            }
        }
    }
}

/// When something happened, to check the waits between retries.
actor Instants {
    private var instants: [ContinuousClock.Instant] = []

    func record() { instants.append(.now) }

    var gaps: [Duration] { zip(instants, instants.dropFirst()).map { $0.duration(to: $1) } }
}

/// A flag a test flips while handlers run.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

import Synchronization
