import ConveyorCore
import Foundation
import Testing

/// A re-run is the same work again: it keeps what decides where and how it runs.
@Suite("Rerun")
struct RerunTests {
    /// A re-run that lost its `concurrency_key` fell under the tenant's default key and
    /// escaped the caps, rate limits and breakers of the original's key.
    @Test(arguments: StoreKind.allCases)
    func aRerunKeepsTheConcurrencyKey(kind: StoreKind) async throws {
        var registry = JobRegistry()
        registry.register(EchoJob())
        let conveyor = Conveyor(store: try await kind.make(), registry: registry)
        let caller = Caller(credential: .token(subject: "u"), tenant: "acme", scopes: [.jobsWrite, .jobsRead])
        let keyed = try await conveyor.enqueue(
            [EnqueueRequest(type: EchoJob.type, payload: ["text": "hi"], concurrencyKey: "customer-42")], as: caller)[0].job
        let plain = try await conveyor.enqueue([EnqueueRequest(type: EchoJob.type, payload: ["text": "hi"])], as: caller)[0].job
        for job in [keyed, plain] { _ = try await conveyor.cancel(id: job.id, as: caller) }

        let rerun = try await conveyor.rerun(id: keyed.id, payloadPatch: ["text": "again"], as: caller)
        #expect(rerun.concurrencyKey == "customer-42" && rerun.rerunOf == keyed.id && rerun.tenant == "acme")
        // Read back from the store, not only as returned.
        #expect(try await conveyor.job(id: rerun.id, as: caller).concurrencyKey == "customer-42")
        let plainRerun = try await conveyor.rerun(id: plain.id, payloadPatch: nil, as: caller)
        #expect(plainRerun.concurrencyKey == "acme", "a job without a key re-runs under its tenant's default, as before")
    }
}
