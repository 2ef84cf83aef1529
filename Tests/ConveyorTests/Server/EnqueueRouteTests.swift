import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

extension ServerTests {
    @Suite("POST /v1/jobs")
    struct Enqueue {
        @Test func createsThenReturnsTheExistingJobForARepeatedIdempotencyKey() async throws {
            try await ServerHarness().run { client in
                let body = #"{"type":"echo","payload":{"text":"hi"},"idempotency_key":"k1","tags":["a"]}"#
                let first = try await client.send(.post, "/v1/jobs", json: body)
                #expect(first.status == .created)
                #expect(first.headers[.contentType] == "application/json")
                let job = try first.decode(Job.self)
                #expect(first.headers[.location] == "/v1/jobs/\(job.id)")
                #expect(job.state == .queued)
                #expect(job.payload == ["text": "hi"])
                #expect(job.maxAttempts == 3)

                let again = try await client.send(.post, "/v1/jobs", json: body)
                #expect(again.status == .ok)
                #expect(try again.decode(Job.self).id == job.id)
                #expect(try await client.list().jobs.count == 1)
            }
        }

        @Test func responseUsesSnakeCaseKeys() async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(.post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"x"}}"#)
                #expect(response.text.contains(#""max_attempts":3"#))
                #expect(response.text.contains(#""rerun_of":null"#))
            }
        }

        @Test func insertsABatch() async throws {
            try await ServerHarness().run { client in
                _ = try await client.enqueue(#"{"type":"echo","payload":{"text":"old"},"idempotency_key":"dup"}"#)
                let response = try await client.send(
                    .post, "/v1/jobs",
                    json: #"""
                        {"jobs":[{"type":"echo","payload":{"text":"a"}},
                                 {"type":"echo","payload":{"text":"b"},"queue":"mail"},
                                 {"type":"echo","payload":{"text":"new"},"idempotency_key":"dup"}]}
                        """#)
                #expect(response.status == .created)
                let batch = try response.decode(EnqueueBatchResponse.self)
                #expect(batch.created == [true, true, false])
                #expect(batch.jobs.map(\.queue) == ["default", "mail", "default"])
                #expect(batch.jobs[2].payload == ["text": "old"])
                #expect(try await client.list().jobs.count == 3)
            }
        }

        @Test func batchOfOnlyExistingJobsAnswers200() async throws {
            try await ServerHarness().run { client in
                let body = #"{"jobs":[{"type":"echo","payload":{"text":"a"},"idempotency_key":"k"}]}"#
                #expect(try await client.send(.post, "/v1/jobs", json: body).status == .created)
                let again = try await client.send(.post, "/v1/jobs", json: body)
                #expect(again.status == .ok)
                #expect(try again.decode(EnqueueBatchResponse.self).created == [false])
            }
        }

        @Test func oneBadJobRejectsTheWholeBatch() async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(
                    .post, "/v1/jobs",
                    json: #"{"jobs":[{"type":"echo","payload":{"text":"a"}},{"type":"echo","payload":{"text":"b"},"max_attempts":0}]}"#)
                let problem = try expectProblem(response, .unprocessableContent, type: "validation")
                #expect(problem.fields == ["jobs[1].max_attempts"])
                #expect(try await client.list().jobs.isEmpty)
            }
        }

        @Test func aSingleJobBatchNamesFieldsInsideTheBatch() async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(.post, "/v1/jobs", json: #"{"jobs":[{"type":"nope"}]}"#)
                #expect(try expectProblem(response, .unprocessableContent).fields == ["jobs[0].type"])
            }
        }

        @Test func aBadFieldInsideABatchIsNamedWithItsIndex() async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(
                    .post, "/v1/jobs", json: #"{"jobs":[{"type":"echo"},{"type":"echo","delay":5}]}"#)
                #expect(try expectProblem(response, .unprocessableContent).fields == ["jobs[1].delay"])
            }
        }

        @Test func refusesAnEmptyOrOversizedBatch() async throws {
            try await ServerHarness().run { client in
                let empty = try await client.send(.post, "/v1/jobs", json: #"{"jobs":[]}"#)
                #expect(try expectProblem(empty, .unprocessableContent).fields == ["jobs"])

                let jobs = Array(repeating: #"{"type":"echo"}"#, count: 10_001).joined(separator: ",")
                let tooMany = try await client.send(.post, "/v1/jobs", json: #"{"jobs":[\#(jobs)]}"#)
                let problem = try expectProblem(tooMany, .unprocessableContent, type: "validation")
                #expect(problem.fields == ["jobs"])
                #expect(problem.detail.contains("10000"))
                #expect(try await client.list().jobs.isEmpty)
            }
        }

        @Test(arguments: [#"{"type":"echo","#, "{type: echo}", #"{"type":'echo'}"#, #"{"type":"echo"} {}"#, "", "[1,2"])
        func malformedJSONIs400(body: String) async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(.post, "/v1/jobs", json: body)
                let problem = try expectProblem(response, .badRequest, type: "malformed-json")
                #expect(problem.detail.contains("not valid JSON"))
            }
        }

        @Test func malformedJSONReportsTheParserMessage() async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(.post, "/v1/jobs", json: "{bad}")
                #expect(try expectProblem(response, .badRequest).detail.contains("character 1"))
            }
        }

        @Test func unknownTypeIs422() async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(.post, "/v1/jobs", json: #"{"type":"nope","payload":{}}"#)
                let problem = try expectProblem(response, .unprocessableContent, type: "validation")
                #expect(problem.fields == ["type"])
                #expect(problem.detail.contains("echo"))
            }
        }

        @Test func unknownFieldIs422NamingIt() async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(.post, "/v1/jobs", json: #"{"type":"echo","delay":30}"#)
                let problem = try expectProblem(response, .unprocessableContent, type: "validation")
                #expect(problem.fields == ["delay"])
                #expect(problem.detail.contains("delay_seconds"))
            }
        }

        @Test func missingTypeAndWrongTypesAre422() async throws {
            try await ServerHarness().run { client in
                let missing = try await client.send(.post, "/v1/jobs", json: #"{"payload":{"text":"x"}}"#)
                #expect(try expectProblem(missing, .unprocessableContent).fields == ["type"])
                let mistyped = try await client.send(.post, "/v1/jobs", json: #"{"type":"echo","priority":"high"}"#)
                #expect(try expectProblem(mistyped, .unprocessableContent).fields == ["priority"])
                let notAnObject = try await client.send(.post, "/v1/jobs", json: #"["echo"]"#)
                #expect(try expectProblem(notAnObject, .unprocessableContent).fields == ["(body)"])
            }
        }

        @Test func outOfRangeMaxAttemptsIs422() async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(
                    .post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"x"},"max_attempts":5000}"#)
                let problem = try expectProblem(response, .unprocessableContent, type: "validation")
                #expect(problem.fields == ["max_attempts"])
                #expect(problem.errors?.first?.message.contains("1000") == true)
            }
        }

        @Test func payloadThatDoesNotFitTheHandlerIs422() async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(.post, "/v1/jobs", json: #"{"type":"echo","payload":{"txt":"x"}}"#)
                let problem = try expectProblem(response, .unprocessableContent, type: "validation")
                #expect(problem.fields == ["payload.text"], "the field path reaches into the payload")
                #expect(problem.errors?.first?.message.contains("text") == true)
            }
        }

        @Test func bodyOverTheLimitIs413() async throws {
            try await ServerHarness(maxBodyBytes: 256).run { client in
                let text = String(repeating: "x", count: 300)
                let response = try await client.send(.post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"\#(text)"}}"#)
                let problem = try expectProblem(response, .contentTooLarge, type: "content-too-large")
                #expect(problem.detail.contains("256 bytes"))
                #expect(try await client.list().jobs.isEmpty)

                let small = try await client.send(.post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"ok"}}"#)
                #expect(small.status == .created)
            }
        }

        @Test func concurrentRepeatsOfOneIdempotencyKeyCreateOneJob() async throws {
            try await ServerHarness().run { client in
                let body = #"{"type":"echo","payload":{"text":"once"},"idempotency_key":"race"}"#
                let results = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String).self) { group in
                    for _ in 0..<20 {
                        group.addTask {
                            let response = try await client.send(.post, "/v1/jobs", json: body)
                            return (response.status, try response.decode(Job.self).id)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(results.filter { $0.0 == .created }.count == 1)
                #expect(results.filter { $0.0 == .ok }.count == 19)
                #expect(Set(results.map(\.1)).count == 1)
                #expect(try await client.list().jobs.count == 1)
            }
        }
    }
}
