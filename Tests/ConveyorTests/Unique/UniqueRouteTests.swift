import ConveyorClient
import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `unique` through the API: the flag on a refusal, batches, the debounce, and 422s that
/// name the field.
@Suite("Unique jobs API")
struct UniqueRouteTests {
    @Test func aRepeatAnswers200WithTheHolderFlagged() async throws {
        try await ServerHarness().run { client in
            let body = #"{"type":"echo","payload":{"text":"a"},"unique":{"key":"user-42"}}"#
            let first = try await client.send(.post, "/v1/jobs", json: body)
            #expect(first.status == .created)
            #expect(!first.text.contains("unique_conflict"))
            let job = try first.decode(Job.self)
            #expect(job.uniqueKey == "user-42")
            #expect(first.text.contains(#""unique_key":"user-42""#))

            let again = try await client.send(
                .post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"b"},"unique":{"key":"user-42"}}"#)
            #expect(again.status == .ok)
            let reply = try again.decode(EnqueueResponse.self)
            #expect(reply.uniqueConflict && !reply.replaced)
            #expect(reply.job.id == job.id && reply.job.payload == ["text": "a"])
            #expect(again.text.contains(#""unique_conflict":true"#) && again.text.contains(#""replaced":false"#))
            #expect(try await client.list().jobs.count == 1)
        }
    }

    @Test func replaceAnswersTheDebouncedJob() async throws {
        try await ServerHarness().run { client in
            let first = try await client.enqueue(
                #"{"type":"echo","payload":{"text":"a"},"delay_seconds":60,"unique":{"key":"d","replace":true}}"#)
            let again = try await client.send(
                .post, "/v1/jobs",
                json: #"{"type":"echo","payload":{"text":"b"},"delay_seconds":120,"unique":{"key":"d","replace":true}}"#)
            #expect(again.status == .ok)
            let reply = try again.decode(EnqueueResponse.self)
            #expect(reply.uniqueConflict && reply.replaced)
            #expect(reply.job.id == first.id && reply.job.payload == ["text": "b"])
            #expect(reply.job.runAt > first.runAt)
            #expect(try await client.job(first.id).payload == ["text": "b"])
        }
    }

    @Test func aBatchFlagsEachItem() async throws {
        try await ServerHarness().run { client in
            _ = try await client.enqueue(#"{"type":"echo","payload":{"text":"old"},"unique":{"key":"x"}}"#)
            let response = try await client.send(
                .post, "/v1/jobs",
                json: #"""
                    {"jobs":[{"type":"echo","payload":{"text":"a"},"unique":{"key":"x"}},
                             {"type":"echo","payload":{"text":"b"},"unique":{"key":"y"}},
                             {"type":"echo","payload":{"text":"c"},"unique":{"key":"y"}}]}
                    """#)
            #expect(response.status == .created)
            let batch = try response.decode(EnqueueBatchResponse.self)
            #expect(batch.created == [false, true, false])
            #expect(batch.uniqueConflict == [true, false, true])
            #expect(batch.replaced == [false, false, false])
            #expect(batch.jobs[0].payload == ["text": "old"] && batch.jobs[2].id == batch.jobs[1].id)
            #expect(batch.results.map(\.disposition) == [.uniqueConflict, .created, .uniqueConflict])
            #expect(try await client.list().jobs.count == 2)
        }
    }

    @Test func badUniqueOptionsAre422NamingTheField() async throws {
        try await ServerHarness().run { client in
            func fields(_ unique: String) async throws -> [String] {
                let response = try await client.send(
                    .post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"a"},"unique":"# + unique + "}")
                return try expectProblem(response, .unprocessableContent).fields
            }
            #expect(try await fields(#"{"key":""}"#) == ["unique.key"])
            #expect(try await fields(#"{"states":["queued"]}"#) == ["unique.key"])
            #expect(try await fields(#"{"key":"k","states":["queued","bogus"]}"#) == ["unique.states[1]"])
            #expect(try await fields(#"{"key":"k","states":[]}"#) == ["unique.states"])
            #expect(try await fields(#"{"key":"k","period_seconds":0}"#) == ["unique.period_seconds"])
            #expect(try await fields(#"{"key":"k","ttl":5}"#) == ["unique.ttl"])
            #expect(try await fields(#"{"key":"k","replace":true,"states":["queued","running"]}"#) == ["unique.states[1]"])
            #expect(try await fields(#"{"key":"k","replace":true,"period_seconds":30}"#) == ["unique.period_seconds"])
            let batch = try await client.send(
                .post, "/v1/jobs",
                json: #"{"jobs":[{"type":"echo","payload":{"text":"a"}},{"type":"echo","payload":{"text":"b"},"unique":{"key":""}}]}"#)
            #expect(try expectProblem(batch, .unprocessableContent).fields == ["jobs[1].unique.key"])
            #expect(try await client.list().jobs.isEmpty)
        }
    }

    @Test func theClientReportsTheDisposition() async throws {
        try await ServerHarness().withClient { client in
            let request = EnqueueRequest(
                type: "echo", payload: ["text": "a"], delaySeconds: 30, unique: UniqueOptions(key: "c", replace: true))
            let first = try await client.enqueueResult(request)
            #expect(first.disposition == .created)
            var later = request
            later.payload = ["text": "b"]
            let second = try await client.enqueueResult(later)
            #expect(second.disposition == .replaced && second.job.id == first.job.id)
            var plain = request
            plain.unique = UniqueOptions(key: "c")
            let refused = try await client.enqueue(plain)
            #expect(!refused.created && refused.job.id == first.job.id)
            #expect(try await client.enqueueResult(plain).disposition == .uniqueConflict)
        }
    }

    @Test func optionsDefaultAndRoundTrip() throws {
        let decoded = try ConveyorJSON.decode(UniqueOptions.self, from: Data(#"{"key":"k"}"#.utf8))
        #expect(decoded.resolvedStates == [.scheduled, .queued, .running, .retrying])
        #expect(!decoded.replace && decoded.periodSeconds == nil && decoded.validate().isEmpty)
        #expect(UniqueOptions(key: "k", replace: true).resolvedStates == [.scheduled, .queued])
        let full = UniqueOptions(key: "k", states: [.queued], periodSeconds: 30)
        #expect(try ConveyorJSON.decode(UniqueOptions.self, from: ConveyorJSON.encode(full)) == full)
    }
}
