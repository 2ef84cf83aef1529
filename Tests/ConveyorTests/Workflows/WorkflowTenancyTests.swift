import ConveyorCore
import Foundation
import Testing

extension WorkflowTests {
    /// Workflows belong to a tenant, as jobs do, and every way a step's job ends moves its
    /// workflow, the lease reaper's included.
    @Suite("Workflow tenancy and job ends") struct TenancyTests {
        static func caller(_ tenant: String) -> Caller {
            Caller(credential: .apiKey(id: "k-\(tenant)"), tenant: tenant, scopes: [.workflowsRead, .workflowsWrite])
        }

        @Test func aCallerSeesAndActsOnlyOnItsTenantsWorkflows() async throws {
            let store = try await StoreKind.sqlite.make()
            let conveyor = Conveyor(store: store, registry: WorkflowHarness.registry(StepControl()))
            let (acme, globex) = (Self.caller("acme"), Self.caller("globex"))
            let request = WorkflowRequest(name: "w", steps: [step("a")])
            let mine = try await conveyor.submitWorkflow(request, as: acme)
            #expect(mine.tenant == "acme" && mine.createdBy == "key:k-acme")
            let rootID = try #require(mine.step("a")?.jobID)
            let root = try #require(try await store.job(id: rootID))
            #expect(root.tenant == "acme" && root.createdBy == "key:k-acme")
            _ = try await conveyor.submitWorkflow(request, as: globex)

            #expect(try await conveyor.listWorkflows(WorkflowQuery(), as: acme).workflows.map(\.id) == [mine.id])
            #expect(try await conveyor.listWorkflows(WorkflowQuery()).workflows.count == 2)
            for action in [
                { try await conveyor.workflow(id: mine.id, as: globex) },
                { try await conveyor.cancelWorkflow(id: mine.id, as: globex) },
                { try await conveyor.retryWorkflow(id: mine.id, as: globex) },
            ] as [() async throws -> WorkflowStatus] {
                let error = await #expect(throws: ConveyorError.self) { try await action() }
                #expect(error?.code == .notFound)
            }
            var other = request
            other.tenant = "acme"
            let forbidden = await #expect(throws: ConveyorError.self) { try await conveyor.submitWorkflow(other, as: globex) }
            #expect(forbidden?.code == .forbidden)
            let listOther = await #expect(throws: ConveyorError.self) {
                try await conveyor.listWorkflows(WorkflowQuery(tenant: "acme"), as: globex)
            }
            #expect(listOther?.code == .forbidden)
            #expect(try await conveyor.workflow(id: mine.id, as: acme).state == .running)
        }

        /// A worker died holding the only attempt of a step: the lease reaper fails the job,
        /// and the workflow follows.
        @Test(arguments: StoreKind.allCases)
        func aStepTheLeaseReaperFailsFailsTheWorkflow(kind: StoreKind) async throws {
            var id = ""
            let h = try await WorkflowHarness.start(kind: kind) { store, control in
                let offline = Conveyor(store: store, registry: WorkflowHarness.registry(control))
                id = try await offline.submitWorkflow(
                    WorkflowRequest(name: "reaped", steps: [step("a", maxAttempts: 1), step("b", dependsOn: ["a"])])
                ).id
                // Claimed by a worker whose lease has already run out.
                let now = Date()
                let claimed = try await store.claimJobs(
                    queue: "default", limit: 10, owner: "dead", leaseUntil: now.addingTimeInterval(-1), now: now)
                #expect(claimed.count == 1)
            }
            let done = try await h.wait(for: id, .failed)
            #expect(done.step("a")?.state == "failed" && done.step("a")?.error?.type == "lease_expired")
            #expect(done.step("b")?.state == "cancelled")
            try await h.stop()
        }
    }
}
