import ConveyorClient
import ConveyorCore
import Foundation
import Testing

/// `POST /v1/workers/{id}/quiet` on a worker that has left. Found while checking the
/// OpenAPI contract: quieting a stopped worker set it back to `quiet`, so the registry
/// showed a deregistered worker as alive and its heartbeats stopped saying `stop`.
@Suite struct RemoteWorkerQuietTests {
    @Test func quietingAStoppedWorkerIsAConflictAndLeavesItStopped() async throws {
        let harness = try await ServerHarness()
        try await harness.withClient { client in
            let worker = try await client.registerWorker(RegisterWorkerRequest(name: "leaving", queues: ["content": 1]))
            #expect(try await client.stopWorker(worker.id).status == .stopped)
            do {
                _ = try await client.quietWorker(worker.id)
                Issue.record("quieting a stopped worker succeeded")
            } catch let error as ConveyorClientError {
                #expect(error.status == 409, "\(error)")
                #expect(error.problem?.detail.contains("stopped") == true, "\(error)")
            }
            #expect(try await client.worker(worker.id).status == .stopped)
            #expect(try await client.heartbeat(worker: worker.id, leases: []).stop)
        }
    }
}
