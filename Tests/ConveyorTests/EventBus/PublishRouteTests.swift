import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

extension EventBusTests {
    /// `POST /v1/events` and `/v1/topics/{topic}/schema` over HTTP.
    @Suite("Publish and topic schemas") struct PublishRouteTests {
        static let schema = #"""
            {"type":"object","required":["title","words"],"additionalProperties":false,
             "properties":{"title":{"type":"string","minLength":1,"maxLength":20},
                           "words":{"type":"integer","minimum":0},
                           "tags":{"type":"array","items":{"type":"string","pattern":"^[a-z]+$"},"maxItems":3},
                           "status":{"enum":["draft","live"]}}}
            """#

        @Test func publishesACustomEventIntoTheLog() async throws {
            let h = try await ServerHarness()
            try await h.run { client in
                let response = try await client.send(.post, "/v1/events", json: #"{"topic":"entry.saved","key":"entry-1","data":{"title":"Hi"}}"#)
                #expect(response.status == .created, "\(response.text)")
                let event = try response.decode(LogEvent.self)
                #expect(event.id > 0 && event.type == "entry.saved" && event.topic == "entry.saved")
                #expect(event.key == "entry-1" && event.tenant == "default" && event.data == ["title": "Hi"])
                let log = try await client.send(.get, "/v1/events?topic=entry.*").decode(EventPage.self)
                #expect(log.events == [event])
                // No data, no key: `{}` and the empty key.
                let bare = try await client.send(.post, "/v1/events", json: #"{"topic":"entry.deleted"}"#).decode(LogEvent.self)
                #expect(bare.data == [:] && bare.key == "")
            }
        }

        @Test func eventsGoToThePublishersTenant() async throws {
            let h = try await AuthHarness()
            let publisher = try await h.token(tenant: "globex", scopes: [.eventsPublish])
            let reader = try await h.token(tenant: "acme", scopes: [.eventsRead])
            let admin = try await h.token(tenant: "acme", scopes: [.admin])
            try await h.run { client in
                let own = try await client.send(.post, "/v1/events", bearer: publisher, json: #"{"topic":"entry.saved","key":"k"}"#)
                let ownEvent = try own.decode(LogEvent.self)
                #expect(own.status == .created && ownEvent.tenant == "globex")
                let other = try await client.send(.post, "/v1/events", bearer: publisher, json: #"{"topic":"entry.saved","tenant":"acme"}"#)
                #expect(other.status == .forbidden)
                let forAcme = try await client.send(.post, "/v1/events", bearer: admin, json: #"{"topic":"entry.saved","tenant":"acme"}"#)
                #expect(forAcme.status == .created)
                let seen = try await client.send(.get, "/v1/events?topic=entry.*", bearer: reader).decode(EventPage.self)
                #expect(seen.events.map(\.tenant) == ["acme"])
                #expect(try await client.send(.get, "/v1/events", bearer: publisher).status == .forbidden, "publishing is not reading")
            }
        }

        @Test func repeatsWithAnIdempotencyKeyAppendNothing() async throws {
            let h = try await ServerHarness()
            try await h.run { client in
                let body = #"{"topic":"order.paid","key":"o-1","data":{"v":1},"idempotency_key":"pay-1"}"#
                let first = try await client.send(.post, "/v1/events", json: body)
                let again = try await client.send(.post, "/v1/events", json: body)
                #expect(first.status == .created && again.status == .ok)
                #expect(try first.decode(LogEvent.self) == again.decode(LogEvent.self))
                #expect(try await client.send(.get, "/v1/events?topic=order.paid").decode(EventPage.self).events.count == 1)
                // The header works the same, for clients that set it on every POST.
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                headers[.init("Idempotency-Key")!] = "pay-2"
                let bodyBytes = ByteBuffer(string: #"{"topic":"order.paid","key":"o-2"}"#)
                let viaHeader = try await client.execute(uri: "/v1/events", method: .post, headers: headers, body: bodyBytes)
                let repeated = try await client.execute(uri: "/v1/events", method: .post, headers: headers, body: bodyBytes)
                #expect(viaHeader.status == .created && repeated.status == .ok)
            }
        }

        @Test func refusesReservedTopicsAndBadFields() async throws {
            let h = try await ServerHarness()
            try await h.run { client in
                // Every prefix Conveyor emits under, and every topic it emits, is refused:
                // a tenant cannot forge a system event.
                let forged = EventTopic.reservedPrefixes.map { $0 + "forged" } + ReservedTopicTests.emitted
                for topic in forged {
                    let response = try await client.send(.post, "/v1/events", json: #"{"topic":"\#(topic)","data":{}}"#)
                    #expect(response.status == .unprocessableContent, "\(topic)")
                    let problem = try response.decode(Problem.self)
                    #expect(problem.errors?.map(\.field) == ["topic"] && problem.detail.contains("reserved"), "\(topic): \(problem.detail)")
                    let schema = try await client.send(.put, "/v1/topics/\(topic)/schema", json: #"{"type":"object"}"#)
                    #expect(try schema.decode(Problem.self).errors?.map(\.field) == ["topic"], "\(topic)")
                }
                #expect(EventTopic.reservedPrefixes.contains("webhook.") && EventTopic.reservedPrefixes.contains("schedule."))
                let bad = try await client.send(.post, "/v1/events", json: #"{"topic":"a*","idempotency_key":"","key":"k"}"#)
                #expect(Set(try bad.decode(Problem.self).errors?.map(\.field) ?? []) == ["topic", "idempotency_key"])
                let unknown = try await client.send(.post, "/v1/events", json: #"{"topic":"a.b","payload":{}}"#)
                #expect(unknown.status == .unprocessableContent && unknown.text.contains("payload"))
                #expect(try await client.send(.get, "/v1/events").decode(EventPage.self).events.isEmpty)
            }
        }

        @Test func dataThatDoesNotMatchTheSchemaIsRefusedNamingTheFieldAndNothingIsAppended() async throws {
            let h = try await ServerHarness()
            try await h.run { client in
                let put = try await client.send(.put, "/v1/topics/entry.saved/schema", json: Self.schema)
                #expect(put.status == .created, "\(put.text)")
                #expect(try put.decode(TopicSchema.self).topic == "entry.saved")
                #expect(try await client.send(.put, "/v1/topics/entry.saved/schema", json: Self.schema).status == .ok)
                let stored = try await client.send(.get, "/v1/topics/entry.saved/schema").decode(TopicSchema.self)
                #expect(stored.schema["required"] == ["title", "words"])

                let cases: [(data: String, field: String)] = [
                    (#"{"title":42,"words":1}"#, "data.title"),
                    (#"{"words":1}"#, "data.title"),
                    (#"{"title":"","words":1}"#, "data.title"),
                    (#"{"title":"Hi","words":-1}"#, "data.words"),
                    (#"{"title":"Hi","words":1.5}"#, "data.words"),
                    (#"{"title":"Hi","words":1,"tags":["ok","NOT"]}"#, "data.tags[1]"),
                    (#"{"title":"Hi","words":1,"status":"gone"}"#, "data.status"),
                    (#"{"title":"Hi","words":1,"extra":true}"#, "data.extra"),
                    (#"[1]"#, "data"),
                ]
                for (data, field) in cases {
                    let response = try await client.send(.post, "/v1/events", json: #"{"topic":"entry.saved","data":\#(data)}"#)
                    #expect(response.status == .unprocessableContent, "\(data)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                    let problem = try response.decode(Problem.self)
                    #expect(problem.errors?.map(\.field) == [field], "\(data): \(problem.detail)")
                }
                #expect(try await client.send(.get, "/v1/events").decode(EventPage.self).events.isEmpty, "a refused event is not appended")

                let ok = try await client.send(.post, "/v1/events", json: #"{"topic":"entry.saved","data":{"title":"Hi","words":3,"tags":["a"]}}"#)
                #expect(ok.status == .created, "\(ok.text)")
                // Other topics are not checked; without the schema anything goes again.
                #expect(try await client.send(.post, "/v1/events", json: #"{"topic":"entry.other","data":[1]}"#).status == .created)
                #expect(try await client.send(.delete, "/v1/topics/entry.saved/schema").status == .noContent)
                #expect(try await client.send(.get, "/v1/topics/entry.saved/schema").status == .notFound)
                #expect(try await client.send(.delete, "/v1/topics/entry.saved/schema").status == .notFound)
                #expect(try await client.send(.post, "/v1/events", json: #"{"topic":"entry.saved","data":{"x":1}}"#).status == .created)
            }
        }

        @Test func aSchemaWithAnUnsupportedKeywordIsRefusedWhenRegistered() async throws {
            let h = try await ServerHarness()
            try await h.run { client in
                let schema = #"{"type":"object","properties":{"email":{"type":"string","format":"email"},"n":{"oneOf":[]}},"additionalProperties":{"type":"string"}}"#
                let response = try await client.send(.put, "/v1/topics/user.created/schema", json: schema)
                #expect(response.status == .unprocessableContent)
                let fields = Set(try response.decode(Problem.self).errors?.map(\.field) ?? [])
                #expect(fields == ["schema.properties.email.format", "schema.properties.n.oneOf", "schema.additionalProperties"])
                #expect(response.text.contains("not be enforced"))
                #expect(try await client.send(.get, "/v1/topics/user.created/schema").status == .notFound, "nothing registered")
                let reserved = try await client.send(.put, "/v1/topics/job.failed/schema", json: #"{"type":"object"}"#)
                #expect(try reserved.decode(Problem.self).errors?.map(\.field) == ["topic"])
            }
        }
    }

    /// Every topic Conveyor appends itself is under a reserved prefix.
    @Suite("Reserved topics") struct ReservedTopicTests {
        /// The topics Conveyor emits, from the constants the stores and engine append.
        static let emitted: [String] = [
            LogEvent.jobSubmitted, LogEvent.jobStarted, LogEvent.jobRetrying, LogEvent.jobSucceeded, LogEvent.jobFailed,
            LogEvent.jobCancelled, LogEvent.circuitOpened, LogEvent.circuitClosed, LogEvent.queuePaused, LogEvent.queueResumed,
            LogEvent.webhookEndpointDisabled, WorkflowEvent.submitted.type, WorkflowEvent.completed.type, WorkflowEvent.failed.type,
            WorkflowEvent.cancelled.type, WorkflowEvent.stepCompleted("a").type,
            InboundSource(name: "github", scheme: .hmacSHA256, secret: "s", tenant: "default", signatureHeader: "x-sig").topic,
        ]

        @Test func everyTopicConveyorEmitsIsReserved() {
            for topic in Self.emitted {
                #expect(EventTopic.isReserved(topic), "\(topic) is emitted by Conveyor but a tenant may publish it")
                #expect(EventTopic.problems(topic).map(\.field) == ["topic"])
            }
            #expect(!EventTopic.isReserved("entry.saved") && !EventTopic.isReserved("jobs.done") && !EventTopic.isReserved("webhooks"))
        }
    }
}
