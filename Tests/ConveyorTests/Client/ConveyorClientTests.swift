import ConveyorClient
import ConveyorCore
import ConveyorServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

extension ServerHarness {
    /// Runs the API on a live loopback port and hands the test a client for it.
    func withClient<Value: Sendable>(_ test: @Sendable (ConveyorClient) async throws -> Value) async throws -> Value {
        let app = buildApplication(
            conveyor: conveyor, configuration: configuration, registry: registry, services: [],
            logger: Logger(label: "conveyor.client.test"))
        return try await app.test(.live) { client in
            let port = try #require(client.port)
            // The trailing slash checks that the client joins paths without doubling it.
            return try await test(ConveyorClient(baseURL: "http://localhost:\(port)/", timeout: .seconds(10)))
        }
    }
}

/// The typed client against the real API over a socket.
@Suite struct ConveyorClientTests {
    let echo = EnqueueRequest(type: "echo", payload: ["text": "hi"])

    @Test func enqueuesOncePerIdempotencyKey() async throws {
        try await ServerHarness().withClient { client in
            var request = echo
            request.idempotencyKey = "order-42"
            let first = try await client.enqueue(request)
            #expect(first.created)
            #expect(first.job.type == "echo" && first.job.state == .queued)
            let again = try await client.enqueue(request)
            #expect(!again.created)
            #expect(again.job.id == first.job.id)
        }
    }

    @Test func enqueuesABatch() async throws {
        try await ServerHarness().withClient { client in
            var second = echo
            second.queue = "emails"
            let response = try await client.enqueue(batch: [echo, second])
            #expect(response.created == [true, true])
            #expect(response.jobs.map(\.queue) == ["default", "emails"])
        }
    }

    @Test func readsAndListsJobsWithEncodedFilters() async throws {
        try await ServerHarness().withClient { client in
            var tagged = echo
            tagged.tags = ["a b&c=d/é"]
            let job = try await client.enqueue(tagged).job
            _ = try await client.enqueue(echo)
            // Not `==`: the enqueue response's timestamps can be 1 ms off the stored ones
            // (the store truncates to milliseconds, the JSON encoder rounds).
            let fetched = try await client.job(id: job.id)
            #expect(fetched.id == job.id && fetched.tags == job.tags && fetched.payload == job.payload)

            let byTag = try await client.listJobs(JobQuery(tag: "a b&c=d/é"))
            #expect(byTag.jobs.map(\.id) == [job.id])

            let firstPage = try await client.listJobs(JobQuery(state: .queued, type: "echo", limit: 1))
            #expect(firstPage.jobs.count == 1)
            let cursor = try #require(firstPage.nextCursor)
            let secondPage = try await client.listJobs(JobQuery(limit: 1, cursor: cursor))
            #expect(secondPage.jobs.map(\.id) == [job.id])
        }
    }

    @Test func cancelsRetriesAndActs() async throws {
        try await ServerHarness().withClient { client in
            let job = try await client.enqueue(echo).job
            #expect(try await client.cancel(id: job.id).state == .cancelled)

            let conflict = await #expect(throws: ConveyorClientError.self) { try await client.cancel(id: job.id) }
            #expect(conflict?.status == 409)
            #expect(conflict?.problem?.type == Problem.typeURN("conflict"))

            #expect(try await client.retry(id: job.id).state == .queued)

            let edited = try await client.perform(
                JobActionRequest(type: .editMetadata, payload: ["owner": "ops"]), on: job.id)
            #expect(edited.metadata == ["owner": "ops"])

            _ = try await client.perform(JobActionRequest(type: .cancel), on: job.id)
            let rerun = try await client.perform(
                JobActionRequest(type: .rerun, payload: ["payload": ["text": "again"]]), on: job.id)
            #expect(rerun.id != job.id)
            #expect(rerun.rerunOf == job.id)
            #expect(rerun.payload == ["text": "again"])
        }
    }

    @Test func readsQueuesAndJobOptions() async throws {
        try await ServerHarness(queues: ["default", "emails"]).withClient { client in
            _ = try await client.enqueue(echo)
            let queues = try await client.queues()
            #expect(queues.queues.first { $0.queue == "default" }?.counts["queued"] == 1)
            let options = try await client.jobOptions()
            #expect(options.jobTypes.map(\.type) == ["echo"])
            #expect(options.queues.contains("emails"))
        }
    }

    @Test func reportsProblems() async throws {
        try await ServerHarness().withClient { client in
            let missing = await #expect(throws: ConveyorClientError.self) { try await client.job(id: "no/such id?x=1") }
            #expect(missing?.status == 404)
            #expect(missing?.problem?.type == Problem.typeURN("not-found"))

            let invalid = await #expect(throws: ConveyorClientError.self) {
                try await client.enqueue(EnqueueRequest(type: "echo", payload: ["text": "hi"], priority: 10_000_000, maxAttempts: 0))
            }
            #expect(invalid?.status == 422)
            #expect(Set(invalid?.problem?.errors?.map(\.field) ?? []) == ["priority", "max_attempts"])
            #expect(invalid?.description.contains("\n  max_attempts: must be between 1 and 1000") == true)
        }
    }

    @Test func reportsErrorsThatAreNotProblems() async throws {
        try await LoopbackReceiver.with({ _ in .text(502, "bad gateway") }) { receiver in
            let client = ConveyorClient(baseURL: receiver.url(""))
            let error = await #expect(throws: ConveyorClientError.self) { try await client.queues() }
            #expect(error?.status == 502)
            #expect(error?.problem == nil)
            #expect(error?.bodyExcerpt == "bad gateway")
            #expect(error?.description == "GET \(receiver.url("/v1/queues")) responded 502: bad gateway")
        }
    }
}
