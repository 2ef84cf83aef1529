import Foundation
import Testing

@testable import ConveyorCore

extension WorkflowTests {
    /// Advancing is decided from the locked workflow's state: several advancers at once
    /// (two nodes during a leadership change) settle a step once and create its dependents once.
    @Suite("Workflow advance races") struct AdvanceRaceTests {
        @Test(arguments: StoreKind.allCases)
        func concurrentAdvancersChangeNothingTwice(kind: StoreKind) async throws {
            let store = try await kind.make()
            let conveyor = Conveyor(store: store, registry: WorkflowHarness.registry(StepControl()))
            let w = try await conveyor.submitWorkflow(
                WorkflowRequest(name: "race", steps: [step("a"), step("b", dependsOn: ["a"]), step("c", dependsOn: ["a"])]))
            let now = Date()
            let claimed = try await store.claimJobs(
                queue: "default", limit: 10, owner: "hand", leaseUntil: now.addingTimeInterval(60), now: now)
            try await store.completeJobs(
                claimed.map {
                    JobOutcome(
                        lease: LeaseKey(id: $0.id, attempt: $0.attempt), owner: "hand", kind: .succeeded(result: ["n": 1]),
                        finishedAt: now)
                })
            #expect(try await store.workflowsToAdvance(limit: 10) == [w.id])

            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 { group.addTask { try await conveyor.advanceWorkflow(id: w.id) } }
                try await group.waitForAll()
            }
            let after = try await conveyor.workflow(id: w.id)
            #expect(after.stepDetails.map(\.state) == ["succeeded", "queued", "queued"])
            let events = try await store.readEvents(
                EventQuery(topic: try TopicFilter("workflow.*"), key: w.id, limit: 100)
            ).events.map(\.type)
            #expect(events == ["workflow.submitted", "workflow.step_completed"])
            let jobs = try await store.listJobs(JobQuery(limit: 100)).jobs
            #expect(jobs.count == 3, "each step has exactly one job")
            #expect(try await store.workflowsToAdvance(limit: 10).isEmpty)
        }
    }
}
