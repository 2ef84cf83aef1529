import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Opens a breaker of `type` and `key` for `tenant` straight through the store: one job
/// claimed and failed against a threshold of 1.
func openCircuit(_ store: any StoreDriver, type: String = EchoJob.type, key: String, tenant: String = "default") async throws {
    let now = Date()
    var job = NewJob(
        type: type, queue: "breakers-\(key)-\(tenant)", payload: ["text": "x"], runAt: now.addingTimeInterval(-1), tenant: tenant,
        createdAt: now)
    job.concurrencyKey = key
    _ = try await store.insertJobs([job])
    let claimed = try await store.claimJobs(
        queue: job.queue, limit: 1, owner: "w", leaseUntil: now.addingTimeInterval(30), now: now)
    let attempt = try #require(claimed.first)
    let error = AttemptError(attempt: attempt.attempt, message: "upstream down", type: "Boom", at: now)
    try await store.completeJobs([
        JobOutcome(
            lease: attempt.lease, owner: "w", kind: .failed(error: error), finishedAt: now,
            circuit: CircuitTally(
                type: type, key: attempt.concurrencyKey, queue: job.queue, tenant: tenant,
                policy: CircuitBreakerPolicy(threshold: 1, cooldownSeconds: 600)))
    ])
}

@Suite("Circuit routes")
struct CircuitRoutesTests {
    @Test(arguments: StoreKind.allCases)
    func listFiltersByStateAndResetClosesOrAnswers404(kind: StoreKind) async throws {
        let h = try await FlowRouteHarness(kind)
        try await h.run { client in
            var response = try await client.send(.get, "/v1/circuits")
            #expect(response.status == .ok)
            #expect(try response.decode(CircuitList.self).circuits.isEmpty)

            try await openCircuit(h.store, key: "site-a")
            try await openCircuit(h.store, type: "scrape", key: "site-a")
            response = try await client.send(.get, "/v1/circuits?state=open")
            let open = try response.decode(CircuitList.self).circuits
            #expect(Set(open.map(\.type)) == ["echo", "scrape"] && open.allSatisfy { $0.state == .open && $0.key == "site-a" })
            #expect(response.text.contains(#""probe_job_id":null"#), "explicit nulls")
            #expect(try await client.send(.get, "/v1/circuits?state=closed").decode(CircuitList.self).circuits.isEmpty)
            #expect(try await client.send(.get, "/v1/circuits?state=half_open").decode(CircuitList.self).circuits.isEmpty)
            let bad = try expectProblem(
                try await client.send(.get, "/v1/circuits?state=shut&colour=red"), .unprocessableContent, type: "validation")
            #expect(Set(bad.fields) == ["state", "colour"])

            try expectProblem(try await client.send(.post, "/v1/circuits/site-a/reset?type=nope"), .notFound, type: "not-found")
            try expectProblem(try await client.send(.post, "/v1/circuits/site-z/reset"), .notFound, type: "not-found")
            #expect(try await h.events(ConveyorCore.LogEvent.circuitClosed).isEmpty)

            // One type's breaker, then the rest of the key.
            response = try await client.send(.post, "/v1/circuits/site-a/reset?type=scrape")
            #expect(response.status == .ok, "\(response.text)")
            let reset = try response.decode(CircuitList.self).circuits
            #expect(reset.map(\.type) == ["scrape"] && reset.first?.state == .closed && reset.first?.failures == 0)
            #expect(try await client.send(.get, "/v1/circuits?state=open").decode(CircuitList.self).circuits.map(\.type) == ["echo"])
            response = try await client.send(.post, "/v1/circuits/site-a/reset")
            #expect(try response.decode(CircuitList.self).circuits.count == 2)
            #expect(try await client.send(.get, "/v1/circuits?state=closed").decode(CircuitList.self).circuits.count == 2)
            // Only breakers that were open wrote circuit.closed.
            #expect(try await h.events(ConveyorCore.LogEvent.circuitClosed).count == 2)
        }
    }

    @Test func tenantsSeeAndResetOnlyTheirOwnBreakers() async throws {
        let h = try await AuthHarness()
        try await openCircuit(h.store, key: "site-a", tenant: "acme")
        try await openCircuit(h.store, key: "site-b", tenant: "globex")
        let acme = try await h.apiKey(tenant: "acme", scopes: [.queuesManage]).secret
        let admin = try await h.apiKey(tenant: "default", scopes: [.admin]).secret
        let reader = try await h.apiKey(tenant: "acme", scopes: [.jobsRead]).secret
        try await h.run { client in
            let mine = try await client.send(.get, "/v1/circuits", bearer: acme).decode(CircuitList.self).circuits
            #expect(mine.map(\.key) == ["site-a"] && mine.allSatisfy { $0.tenant == "acme" })
            let all = try await client.send(.get, "/v1/circuits", bearer: admin).decode(CircuitList.self).circuits
            #expect(Set(all.map(\.key)) == ["site-a", "site-b"])
            try expectProblem(try await client.send(.get, "/v1/circuits", bearer: reader), .forbidden, type: "insufficient-scope")

            // Another tenant's breaker is "not found", and stays open.
            try expectProblem(try await client.send(.post, "/v1/circuits/site-b/reset", bearer: acme), .notFound, type: "not-found")
            #expect(try await h.store.circuits(state: .open, limit: 10).map(\.shown.key).sorted() == ["site-a", "site-b"])
            #expect(try await client.send(.post, "/v1/circuits/site-a/reset", bearer: acme).status == .ok)
            #expect(try await h.store.circuits(state: .open, limit: 10).map(\.shown.key) == ["site-b"])
            #expect(try await client.send(.post, "/v1/circuits/site-b/reset", bearer: admin).status == .ok)
            #expect(try await h.store.circuits(state: .open, limit: 10).isEmpty)
        }
    }

    @Test func onlyAdminsAndTheDefaultTenantChangeQueues() async throws {
        let h = try await AuthHarness()
        let acme = try await h.apiKey(tenant: "acme", scopes: [.queuesManage]).secret
        let operatorKey = try await h.apiKey(tenant: "default", scopes: [.queuesManage]).secret
        let admin = try await h.apiKey(tenant: "acme", scopes: [.admin]).secret
        let reader = try await h.apiKey(tenant: "default", scopes: [.jobsRead, .jobsWrite]).secret
        // Running jobs of two keys (concurrency keys default to the tenant).
        _ = try await h.seedJob(tenant: "acme")
        _ = try await h.seedJob(tenant: "globex")
        let now = Date()
        _ = try await h.store.claimJobs(queue: "default", limit: 2, owner: "w", leaseUntil: now.addingTimeInterval(30), now: now)

        try await h.run { client in
            for (method, path, body) in [
                (HTTPRequest.Method.patch, "/v1/queues/default", #"{"concurrency_limit":1}"#),
                (.post, "/v1/queues/default/pause", nil), (.post, "/v1/queues/default/resume", nil),
            ] {
                let refused = try await client.send(method, path, bearer: acme, json: body)
                let problem = try expectProblem(refused, .forbidden, type: "forbidden")
                #expect(problem.detail.contains("acme"))
                try expectProblem(try await client.send(method, path, bearer: reader, json: body), .forbidden, type: "insufficient-scope")
            }
            #expect(try await h.store.queueSettings(queue: "default") == nil, "nothing written")
            #expect(try await h.store.readEvents(EventQuery(after: 0, limit: 100)).events.filter { $0.type.hasPrefix("queue.") }.isEmpty)

            // A tenant's reader sees the aggregates but only its own key.
            let seen = try await client.send(.get, "/v1/queues/default", bearer: acme)
            #expect(seen.status == .ok)
            #expect(try seen.decode(QueueDetail.self).runningByKey == [KeyCount(key: "acme", count: 1, tenant: "acme")])
            #expect(try seen.decode(QueueDetail.self).counts["running"] == 2)
            let full = try await client.send(.get, "/v1/queues/default", bearer: operatorKey).decode(QueueDetail.self)
            #expect(Set(full.runningByKey.map(\.key)) == ["acme", "globex"])

            #expect(try await client.send(.post, "/v1/queues/default/pause", bearer: operatorKey).decode(QueueDetail.self).paused)
            #expect(try await client.send(.post, "/v1/queues/default/resume", bearer: admin).decode(QueueDetail.self).paused == false)
            let patched = try await client.send(.patch, "/v1/queues/default", bearer: admin, json: #"{"concurrency_limit":1}"#)
            #expect(try patched.decode(QueueDetail.self).settings.concurrencyLimit == 1)
        }
    }
}
