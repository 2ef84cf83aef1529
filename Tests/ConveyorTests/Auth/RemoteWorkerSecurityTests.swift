import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Who may run remote workers: the `worker` scope, held by a queue operator. A tenant's
/// own key would otherwise claim every tenant's jobs of a shared queue.
@Suite struct RemoteWorkerSecurityTests {
    static let registration = #"{"name":"w","queues":{"content":2},"job_types":[{"type":"generate"}]}"#

    @Test func onlyAQueueOperatorWithTheWorkerScopeRegistersAWorker() async throws {
        let harness = try await AuthHarness()
        let tenantKey = try await harness.apiKey(tenant: "acme", scopes: [.worker]).secret
        let noScope = try await harness.apiKey(tenant: "default", scopes: [.jobsWrite, .jobsRead]).secret
        let operatorKey = try await harness.apiKey(tenant: "default", scopes: [.worker, .jobsRead]).secret
        try await harness.run { client in
            let refused = try await client.send(.post, "/v1/workers", bearer: tenantKey, json: Self.registration)
            #expect(refused.status == .forbidden, "\(refused.text)")
            #expect(refused.text.contains("tenant 'acme'"))
            let unscoped = try await client.send(.post, "/v1/workers", bearer: noScope, json: Self.registration)
            #expect(unscoped.status == .forbidden && unscoped.text.contains("worker"))
            #expect(try await harness.conveyor.workers().workers.isEmpty, "a refused registration writes nothing")
            #expect(try await harness.conveyor.declaredJobTypes().isEmpty)

            let created = try await client.send(.post, "/v1/workers", bearer: operatorKey, json: Self.registration)
            #expect(created.status == .created, "\(created.text)")
            let id = try created.decode(WorkerInfo.self).id
            // The protocol's other calls need the scope too.
            let claim = try await client.send(.post, "/v1/workers/\(id)/claim", bearer: noScope, json: #"{"queue":"content"}"#)
            #expect(claim.status == .forbidden)
            let outcome = try await client.send(.post, "/v1/jobs/x/complete", bearer: noScope, json: #"{"lease":"x"}"#)
            #expect(outcome.status == .forbidden)
            // The registry is per tenant for everyone else.
            let acmeReader = try await harness.apiKey(tenant: "acme", scopes: [.jobsRead]).secret
            let listed = try await client.send(.get, "/v1/workers", bearer: acmeReader)
            #expect(try listed.decode(WorkerList.self).workers.isEmpty)
            let shown = try await client.send(.get, "/v1/workers/\(id)", bearer: acmeReader)
            #expect(shown.status == .notFound, "another tenant's worker is not found")
        }
    }

    @Test func declaringJobTypesIsForQueueOperators() async throws {
        let harness = try await AuthHarness()
        let tenantKey = try await harness.apiKey(tenant: "acme", scopes: [.queuesManage]).secret
        try await harness.run { client in
            let refused = try await client.send(.put, "/v1/job-types/generate", bearer: tenantKey, json: #"{"queue":"content"}"#)
            #expect(refused.status == .forbidden)
            #expect(try await harness.conveyor.declaredJobTypes().isEmpty)
        }
    }
}
