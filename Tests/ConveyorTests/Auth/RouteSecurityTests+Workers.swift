import ConveyorCore
import Foundation
import Testing

extension AuthTests.RouteSecurityTests {
    /// The declared job type the owner's operator may delete.
    static let victimJobType = "victim-type"

    /// The owner's remote worker, holding one job of queue `remote` under `lease`.
    struct RemoteFixture {
        var worker: String
        var job: String
        var lease: String

        /// `path` or a body with `{worker}`, `{remotejob}` and `{lease}` filled in.
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "{worker}", with: worker).replacingOccurrences(of: "{remotejob}", with: job)
                .replacingOccurrences(of: "{lease}", with: lease)
        }
    }
}

extension AuthTests.RouteSecurityTests.World {
    /// A worker of `tenant` (registered by an admin of that tenant, since only a queue
    /// operator registers one) that has claimed a job of `tenant`, and a declared type.
    static func seedRemoteWorker(_ harness: AuthHarness, tenant: String) async throws -> AuthTests.RouteSecurityTests.RemoteFixture {
        let admin = Caller(credential: .development, tenant: tenant, scopes: [.admin])
        _ = try await harness.conveyor.putJobType(
            AuthTests.RouteSecurityTests.victimJobType, JobTypeRequest(queue: "remote"), as: admin)
        let worker = try await harness.conveyor.registerWorker(
            RegisterWorkerRequest(name: "victim-worker", queues: ["remote": 1], labels: ["note": "victim-metadata-marker"]), as: admin)
        let now = Date()
        let job = try await harness.store.insertJobs([
            NewJob(type: EchoJob.type, queue: "remote", payload: ["text": "victim-payload-marker"], runAt: now, tenant: tenant, createdAt: now)
        ])[0].job
        let claimed = try #require(
            try await harness.conveyor.claimJobs(worker: worker.id, WorkerClaimRequest(queue: "remote"), as: admin).jobs.first)
        #expect(claimed.id == job.id)
        return .init(worker: worker.id, job: job.id, lease: claimed.lease.token)
    }
}
