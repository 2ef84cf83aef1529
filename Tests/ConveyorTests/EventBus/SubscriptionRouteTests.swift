import ConveyorClient
import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

extension EventBusTests {
    /// `/v1/subscriptions` and `/v1/triggers` over HTTP, and the client's methods for them.
    @Suite("Subscription and trigger routes") struct SubscriptionRouteTests {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)

        /// A group `g` with two dead letters, made through the store as a consumer would.
        func seedDeadLetters(_ h: ServerHarness) async throws -> [LogEvent] {
            let store = h.conveyor.backend.eventBus
            let events = try await h.conveyor.publishMany(3)
            _ = try await store.registerGroup(GroupRegistration(name: "trigger:t", topic: TopicFilter("entry.*"), start: .earliest), now: t0)
            let lease = try #require(try await store.acquireGroupLease(group: "trigger:t", owner: "w", until: t0.addingTimeInterval(60), now: t0))
            for event in events.prefix(2) {
                _ = try await store.addDeadLetter(lease, event: event, attempts: 5, error: "boom", now: t0)
            }
            _ = try await store.commitGroupCursor(lease, cursor: events[0].id, gap: nil, now: t0)
            return events
        }

        @Test func listsGroupsAndDeadLettersAndReplays() async throws {
            let h = try await ServerHarness()
            let events = try await seedDeadLetters(h)
            try await h.run { client in
                let groups = try await client.send(.get, "/v1/subscriptions").decode(SubscriptionList.self).subscriptions
                let group = try #require(groups.first)
                #expect(groups.count == 1 && group.name == "trigger:t" && group.cursor == events[0].id)
                #expect(group.head == events[2].id && group.lag == events[2].id - events[0].id && group.deadLetters == 2)
                #expect(group.leaseOwner == "w")

                let page = try await client.send(.get, "/v1/subscriptions/trigger:t/dead-letters?limit=1").decode(DeadLetterList.self)
                #expect(try json(page.deadLetters.map(\.event)) == json([events[0]]) && page.nextAfter == page.deadLetters[0].id)
                let rest = try await client.send(.get, "/v1/subscriptions/trigger:t/dead-letters?after=\(page.nextAfter!)")
                    .decode(DeadLetterList.self)
                #expect(try json(rest.deadLetters.map(\.event)) == json([events[1]]) && rest.nextAfter == nil)

                let one = try await client.send(.post, "/v1/subscriptions/trigger:t/dead-letters/\(page.deadLetters[0].id)/replay")
                let oneResult = try one.decode(ReplayResult.self)
                #expect(one.status == .accepted && oneResult.replaying == 1)
                #expect(try await client.send(.post, "/v1/subscriptions/trigger:t/dead-letters/\(page.deadLetters[0].id)/replay").status == .notFound)
                let all = try await client.send(.post, "/v1/subscriptions/trigger:t/dead-letters/replay")
                let allResult = try all.decode(ReplayResult.self)
                #expect(all.status == .accepted && allResult.replaying == 1)
                let states = try await client.send(.get, "/v1/subscriptions/trigger:t/dead-letters").decode(DeadLetterList.self)
                #expect(states.deadLetters.allSatisfy { $0.state == .replaying })

                #expect(try await client.send(.get, "/v1/subscriptions/nope/dead-letters").status == .notFound)
                #expect(try await client.send(.post, "/v1/subscriptions/nope/dead-letters/replay").status == .notFound)
                #expect(try await client.send(.get, "/v1/subscriptions/trigger:t/dead-letters?limit=0&x=1").status == .unprocessableContent)
            }
        }

        @Test func createsListsAndDeletesTriggers() async throws {
            let h = try await ServerHarness()
            try await h.run { client in
                let created = try await client.send(
                    .post, "/v1/triggers", json: #"{"topic":"entry.*","job":{"type":"echo","queue":"search","max_attempts":2}}"#)
                #expect(created.status == .created, "\(created.text)")
                let trigger = try created.decode(Trigger.self)
                #expect(trigger.tenant == "default" && trigger.job.queue == "search" && trigger.createdBy == "dev")
                #expect(created.headers[.location] == "/v1/triggers/\(trigger.id)")
                let list = try await client.send(.get, "/v1/triggers").decode(TriggerList.self)
                #expect(list.triggers == [trigger])
                // Its group exists at once, at the head of the log.
                let groups = try await client.send(.get, "/v1/subscriptions").decode(SubscriptionList.self)
                #expect(groups.subscriptions.map(\.name) == ["trigger:\(trigger.id)"])

                let bad = try await client.send(.post, "/v1/triggers", json: #"{"topic":"a*b","job":{"type":"nope","max_attempts":0}}"#)
                #expect(bad.status == .unprocessableContent)
                #expect(Set(try bad.decode(Problem.self).errors?.map(\.field) ?? []) == ["topic", "job.type"])
                let badOptions = try await client.send(.post, "/v1/triggers", json: #"{"topic":"a.b","job":{"type":"echo","max_attempts":0}}"#)
                #expect(try badOptions.decode(Problem.self).errors?.map(\.field) == ["job.max_attempts"])

                #expect(try await client.send(.delete, "/v1/triggers/\(trigger.id)").status == .noContent)
                #expect(try await client.send(.delete, "/v1/triggers/\(trigger.id)").status == .notFound)
                #expect(try await client.send(.get, "/v1/subscriptions").decode(SubscriptionList.self).subscriptions.isEmpty)
            }
        }

        @Test func theClientSpeaksTheSameDTOs() async throws {
            let h = try await ServerHarness()
            let events = try await seedDeadLetters(h)
            try await h.withClient { client in
                let (event, created) = try await client.publish(PublishEventRequest(topic: "entry.saved", key: "k", data: ["title": "x"]))
                #expect(created && event.topic == "entry.saved")
                let schema = try await client.putTopicSchema(["type": "object", "required": ["title"]], topic: "entry.saved")
                #expect(try await client.topicSchema(topic: "entry.saved") == schema)
                do {
                    _ = try await client.publish(PublishEventRequest(topic: "entry.saved", data: [:]))
                    Issue.record("data without a title was accepted")
                } catch let error as ConveyorClientError {
                    #expect(error.status == 422 && error.problem?.errors?.map(\.field) == ["data.title"])
                }
                try await client.deleteTopicSchema(topic: "entry.saved")

                let trigger = try await client.createTrigger(TriggerRequest(topic: "entry.*", job: TriggerJob(type: "echo")))
                #expect(try await client.triggers() == [trigger])
                let groups = try await client.subscriptions()
                #expect(Set(groups.map(\.name)) == ["trigger:t", "trigger:\(trigger.id)"])
                try await client.deleteTrigger(id: trigger.id)

                let letters = try await client.deadLetters(group: "trigger:t")
                #expect(try json(letters.deadLetters.map(\.event)) == json(Array(events.prefix(2))))
                #expect(try await client.replayDeadLetter(group: "trigger:t", id: letters.deadLetters[0].id).replaying == 1)
                #expect(try await client.replayDeadLetters(group: "trigger:t").replaying == 1)
            }
        }
    }
}
