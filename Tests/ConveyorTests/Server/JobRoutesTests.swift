import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

extension ServerTests {
    @Suite("GET, DELETE /v1/jobs/{id} and POST /v1/jobs/{id}/retry")
    struct JobRoutes {
        static let echo = #"{"type":"echo","payload":{"text":"hi"}}"#

        @Test func getsAJob() async throws {
            try await ServerHarness().run { client in
                let job = try await client.enqueue(Self.echo)
                let response = try await client.send(.get, "/v1/jobs/\(job.id)")
                #expect(response.status == .ok)
                let fetched = try response.decode(Job.self)
                #expect(fetched.state == .queued)
                #expect(fetched == job, "a job reads back exactly as the POST returned it")
            }
        }

        @Test(arguments: [
            (HTTPRequest.Method.get, "/v1/jobs/missing", nil),
            (.delete, "/v1/jobs/missing", nil),
            (.post, "/v1/jobs/missing/retry", nil),
            (.post, "/v1/jobs/missing/actions", #"{"type":"cancel"}"#),
            (.post, "/v1/jobs/missing/actions", #"{"type":"rerun"}"#),
            (.post, "/v1/jobs/missing/actions", #"{"type":"edit_metadata","payload":{"a":1}}"#),
        ] as [(HTTPRequest.Method, String, String?)])
        func unknownIdIs404(method: HTTPRequest.Method, uri: String, body: String?) async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(method, uri, json: body)
                let problem = try expectProblem(response, .notFound, type: "not-found")
                #expect(problem.detail.contains("missing"))
            }
        }

        @Test func cancelsAQueuedJobThenRefusesToCancelItAgain() async throws {
            try await ServerHarness().run { client in
                let job = try await client.enqueue(Self.echo)
                let cancel = try await client.send(.delete, "/v1/jobs/\(job.id)")
                #expect(cancel.status == .ok)
                let cancelled = try cancel.decode(Job.self)
                #expect(cancelled.state == .cancelled)
                #expect(cancelled.finishedAt != nil)

                let again = try await client.send(.delete, "/v1/jobs/\(job.id)")
                let problem = try expectProblem(again, .conflict, type: "conflict")
                #expect(problem.detail.contains("retry"))
            }
        }

        @Test func cancellingARunningJobIsAcceptedAndLeftToItsWorker() async throws {
            let harness = try await ServerHarness()
            try await harness.run { client in
                let job = try await client.enqueue(Self.echo)
                // Claiming through the store stands in for a worker; no engine runs here.
                let now = Date()
                let claimed = try await harness.conveyor.backend.claims.claimJobs(
                    queue: "default", limit: 1, owner: "test", leaseUntil: now.addingTimeInterval(60), now: now)
                #expect(claimed.map(\.id) == [job.id])

                let response = try await client.send(.delete, "/v1/jobs/\(job.id)")
                #expect(response.status == .accepted)
                let requested = try response.decode(Job.self)
                #expect(requested.state == .running)
                #expect(requested.cancelRequested)
            }
        }

        @Test func retryOfAQueuedJobIs409() async throws {
            try await ServerHarness().run { client in
                let job = try await client.enqueue(Self.echo)
                let response = try await client.send(.post, "/v1/jobs/\(job.id)/retry")
                try expectProblem(response, .conflict, type: "conflict")
            }
        }

        @Test func retryOfACancelledJobRequeuesItWithFreshAttempts() async throws {
            try await ServerHarness().run { client in
                let job = try await client.enqueue(Self.echo)
                _ = try await client.send(.delete, "/v1/jobs/\(job.id)")
                let response = try await client.send(.post, "/v1/jobs/\(job.id)/retry")
                #expect(response.status == .ok)
                let retried = try response.decode(Job.self)
                #expect(retried.id == job.id)
                #expect(retried.state == .queued)
                #expect(retried.attempt == 0)
                #expect(retried.finishedAt == nil)
            }
        }
    }
}
