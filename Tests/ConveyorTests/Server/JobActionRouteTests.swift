import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

extension ServerTests {
    @Suite("POST /v1/jobs/{id}/actions")
    struct JobActions {
        static let echo = #"{"type":"echo","payload":{"text":"hi","count":1},"tags":["t"],"metadata":{"team":"ops"}}"#

        @Test func rerunOfAFinishedJobCreatesALinkedJobWithTheMergedPayload() async throws {
            try await ServerHarness().run { client in
                let original = try await client.enqueue(Self.echo)
                _ = try await client.send(.delete, "/v1/jobs/\(original.id)")

                let response = try await client.send(
                    .post, "/v1/jobs/\(original.id)/actions", json: #"{"type":"rerun","payload":{"payload":{"count":2}}}"#)
                #expect(response.status == .created)
                let rerun = try response.decode(Job.self)
                #expect(response.headers[.location] == "/v1/jobs/\(rerun.id)")
                #expect(rerun.id != original.id)
                #expect(rerun.rerunOf == original.id)
                #expect(rerun.state == .queued)
                #expect(rerun.payload == ["text": "hi", "count": 2])
                #expect(rerun.tags == ["t"])
                #expect(try await client.job(original.id).state == .cancelled)
            }
        }

        @Test func rerunWithoutPayloadKeepsTheOriginalPayload() async throws {
            try await ServerHarness().run { client in
                let original = try await client.enqueue(Self.echo)
                _ = try await client.send(.delete, "/v1/jobs/\(original.id)")
                let response = try await client.send(.post, "/v1/jobs/\(original.id)/actions", json: #"{"type":"rerun"}"#)
                #expect(response.status == .created)
                #expect(try response.decode(Job.self).payload == original.payload)
            }
        }

        @Test func rerunOfAQueuedJobIs409() async throws {
            try await ServerHarness().run { client in
                let job = try await client.enqueue(Self.echo)
                let response = try await client.send(.post, "/v1/jobs/\(job.id)/actions", json: #"{"type":"rerun"}"#)
                try expectProblem(response, .conflict, type: "conflict")
                #expect(try await client.list().jobs.count == 1)
            }
        }

        @Test func rerunRefusesAPatchThatBreaksThePayloadOrIsNotNested() async throws {
            try await ServerHarness().run { client in
                let job = try await client.enqueue(Self.echo)
                _ = try await client.send(.delete, "/v1/jobs/\(job.id)")
                let breaking = try await client.send(
                    .post, "/v1/jobs/\(job.id)/actions", json: #"{"type":"rerun","payload":{"payload":{"text":null}}}"#)
                #expect(try expectProblem(breaking, .unprocessableContent).fields == ["payload.payload.text"])
                let flat = try await client.send(
                    .post, "/v1/jobs/\(job.id)/actions", json: #"{"type":"rerun","payload":{"count":2}}"#)
                #expect(try expectProblem(flat, .unprocessableContent).fields == ["payload.count"])
            }
        }

        @Test func cancelActionMatchesDelete() async throws {
            try await ServerHarness().run { client in
                let job = try await client.enqueue(Self.echo)
                let response = try await client.send(.post, "/v1/jobs/\(job.id)/actions", json: #"{"type":"cancel"}"#)
                #expect(response.status == .ok)
                #expect(try response.decode(Job.self).state == .cancelled)
                let again = try await client.send(.post, "/v1/jobs/\(job.id)/actions", json: #"{"type":"cancel"}"#)
                try expectProblem(again, .conflict)
            }
        }

        @Test func editMetadataMergesAndNullRemoves() async throws {
            try await ServerHarness().run { client in
                let job = try await client.enqueue(Self.echo)
                let response = try await client.send(
                    .post, "/v1/jobs/\(job.id)/actions",
                    json: #"{"type":"edit_metadata","payload":{"team":null,"owner":"ana","labels":{"a":1}}}"#)
                #expect(response.status == .ok)
                #expect(try response.decode(Job.self).metadata == ["owner": "ana", "labels": ["a": 1]])

                let nested = try await client.send(
                    .post, "/v1/jobs/\(job.id)/actions", json: #"{"type":"edit_metadata","payload":{"labels":{"b":2}}}"#)
                #expect(try nested.decode(Job.self).metadata == ["owner": "ana", "labels": ["a": 1, "b": 2]])
                #expect(try await client.job(job.id).metadata == ["owner": "ana", "labels": ["a": 1, "b": 2]])
            }
        }

        @Test func editMetadataNeedsAnObjectPayload() async throws {
            try await ServerHarness().run { client in
                let job = try await client.enqueue(Self.echo)
                let missing = try await client.send(.post, "/v1/jobs/\(job.id)/actions", json: #"{"type":"edit_metadata"}"#)
                #expect(try expectProblem(missing, .unprocessableContent, type: "validation").fields == ["payload"])
                let notObject = try await client.send(
                    .post, "/v1/jobs/\(job.id)/actions", json: #"{"type":"edit_metadata","payload":[1]}"#)
                #expect(try expectProblem(notObject, .unprocessableContent).fields == ["payload"])
            }
        }

        @Test func unknownActionOrFieldIs422AndMalformedBodyIs400() async throws {
            try await ServerHarness().run { client in
                let job = try await client.enqueue(Self.echo)
                let unknown = try await client.send(.post, "/v1/jobs/\(job.id)/actions", json: #"{"type":"explode"}"#)
                let problem = try expectProblem(unknown, .unprocessableContent, type: "validation")
                #expect(problem.fields == ["type"])
                #expect(problem.detail.contains("edit_metadata"))
                let extra = try await client.send(.post, "/v1/jobs/\(job.id)/actions", json: #"{"type":"cancel","force":true}"#)
                #expect(try expectProblem(extra, .unprocessableContent).fields == ["force"])
                let malformed = try await client.send(.post, "/v1/jobs/\(job.id)/actions", json: #"{"type":"#)
                try expectProblem(malformed, .badRequest, type: "malformed-json")
            }
        }
    }
}
