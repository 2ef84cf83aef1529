import ConveyorCore
import Foundation
import Testing

extension WorkflowTests {
    /// Workflows run by the engine, on every store.
    @Suite("Workflow engine") struct EngineTests {
        @Test(arguments: StoreKind.allCases)
        func diamondPassesResultsAndWaitsForBothBranches(kind: StoreKind) async throws {
            let h = try await WorkflowHarness.start(kind: kind)
            let submitted = try await h.conveyor.submitWorkflow(
                WorkflowRequest(
                    name: "diamond",
                    steps: [
                        step("a"), step("b", dependsOn: ["a"]), step("c", dependsOn: ["a"]), step("d", dependsOn: ["b", "c"]),
                    ]))
            // Only the root has a job at submit.
            #expect(submitted.state == .running)
            #expect(submitted.stepDetails.map(\.state) == ["queued", "pending", "pending", "pending"])
            #expect(submitted.step("a")?.jobID != nil && submitted.step("d")?.jobID == nil)

            let done = try await h.wait(for: submitted.id, .completed)
            #expect(done.stepDetails.allSatisfy { $0.state == "succeeded" })
            #expect(done.finishedAt != nil)
            let jobs = try await withThrowingTaskGroup(of: (String, Job).self) { group in
                for detail in done.stepDetails {
                    group.addTask {
                        let id = try #require(detail.jobID)
                        return (detail.key, try #require(try await h.store.job(id: id)))
                    }
                }
                return try await group.reduce(into: [String: Job]()) { $0[$1.0] = $1.1 }
            }
            // Results flow into inputs, by dependency key.
            let aResult = try #require(jobs["a"]?.result)
            #expect(jobs["b"]?.payload["inputs"] == ["a": aResult])
            #expect(jobs["d"]?.payload["inputs"] == ["b": try #require(jobs["b"]?.result), "c": try #require(jobs["c"]?.result)])
            #expect(jobs["d"]?.result?["inputs"]?["b"]?["by"] == "b")
            // d was created only after both its dependencies finished.
            let d = try #require(jobs["d"])
            for key in ["b", "c"] {
                #expect(try #require(jobs[key]?.finishedAt) <= d.createdAt)
                #expect(jobs[key]?.workflowID == submitted.id && jobs[key]?.step == key)
            }
            let types = try await h.events(submitted.id).map(\.type)
            #expect(types.first == "workflow.submitted" && types.last == "workflow.completed")
            #expect(types.filter { $0 == "workflow.step_completed" }.count == 4)
            // Step jobs, created by the advancer, log their lives like any job.
            for (key, job) in jobs {
                let lifecycle = try await h.store.readEvents(EventQuery(after: nil, key: job.id, limit: 10)).events.map(\.type)
                #expect(lifecycle == ["job.submitted", "job.started", "job.succeeded"], "step \(key)")
            }
            try await h.stop()
        }

        @Test(arguments: StoreKind.allCases)
        func failFastCancelsWhatHasNotStartedAndEndsFailed(kind: StoreKind) async throws {
            // On a queue no worker serves, so its job waits, queued.
            var parked = step("parked")
            parked.queue = "unserved"
            let h = try await WorkflowHarness.start(kind: kind)
            let w = try await h.conveyor.submitWorkflow(
                WorkflowRequest(
                    name: "ff",
                    steps: [
                        step("x", "gate"), step("y", "gate"), step("after-x", dependsOn: ["x"]),
                        step("after-y", dependsOn: ["y"]), parked,
                    ], onFailure: .failFast))
            try await h.wait(for: w.id, step: "parked", "queued")
            try await h.wait(for: w.id, step: "x", "running")
            try await h.wait(for: w.id, step: "y", "running")
            // A step cancelled on its own counts as failed for the policy.
            let xJob = try #require(try await h.workflow(w.id).step("x")?.jobID)
            _ = try await h.conveyor.cancel(id: xJob)
            try await h.wait(for: w.id, step: "x", "cancelled")
            // y keeps running, the steps that had not started are cancelled, the workflow waits for y.
            try await h.wait(for: w.id, step: "after-x", "cancelled")
            try await h.wait(for: w.id, step: "after-y", "cancelled")
            // A created job that never started is cancelled too.
            let parkedStep = try await h.wait(for: w.id, step: "parked", "cancelled")
            #expect(parkedStep.jobID != nil && parkedStep.attempt == 0)
            #expect(try await h.workflow(w.id).state == .running)
            #expect(try await h.workflow(w.id).step("y")?.state == "running")
            await h.control.openGate("y")
            let done = try await h.wait(for: w.id, .failed)
            #expect(done.step("y")?.state == "succeeded")
            #expect(done.step("after-y")?.jobID == nil && done.step("after-x")?.jobID == nil)
            #expect(await h.control.count("after-y") == 0)
            #expect(try await h.events(w.id).last?.type == "workflow.failed")
            try await h.stop()
        }

        @Test(arguments: StoreKind.allCases)
        func failFastOnAFailedStep(kind: StoreKind) async throws {
            let h = try await WorkflowHarness.start(kind: kind)
            let w = try await h.conveyor.submitWorkflow(
                WorkflowRequest(
                    name: "ff2", steps: [step("a", "fail"), step("b", dependsOn: ["a"]), step("c", dependsOn: ["b"])]))
            let done = try await h.wait(for: w.id, .failed)
            #expect(done.onFailure == .failFast)
            #expect(done.stepDetails.map(\.state) == ["failed", "cancelled", "cancelled"])
            #expect(done.step("a")?.error?.message == "bad input in a")
            try await h.stop()
        }

        @Test(arguments: StoreKind.allCases)
        func continueRunsEveryBranchThatCanStillRun(kind: StoreKind) async throws {
            let h = try await WorkflowHarness.start(kind: kind)
            let w = try await h.conveyor.submitWorkflow(
                WorkflowRequest(
                    name: "cont",
                    steps: [
                        step("bad", "fail"), step("good"), step("after-bad", dependsOn: ["bad"]),
                        step("after-both", dependsOn: ["bad", "good"]), step("after-good", dependsOn: ["good"]),
                        step("last", dependsOn: ["after-good"]),
                    ], onFailure: .continue))
            let done = try await h.wait(for: w.id, .failed)
            #expect(done.step("bad")?.state == "failed")
            #expect(done.step("good")?.state == "succeeded")
            #expect(done.step("after-good")?.state == "succeeded")
            #expect(done.step("last")?.state == "succeeded")
            #expect(done.step("after-bad")?.state == "cancelled")
            #expect(done.step("after-both")?.state == "cancelled")
            #expect(await h.control.count("after-bad") == 0)
            try await h.stop()
        }

        @Test(arguments: StoreKind.allCases)
        func cancelStopsRunningStepsAndSkipsPendingOnes(kind: StoreKind) async throws {
            let h = try await WorkflowHarness.start(kind: kind)
            let w = try await h.conveyor.submitWorkflow(
                WorkflowRequest(name: "cancel", steps: [step("slow", "gate"), step("next", dependsOn: ["slow"])]))
            try await h.wait(for: w.id, step: "slow", "running")
            let cancelled = try await h.conveyor.cancelWorkflow(id: w.id)
            #expect(cancelled.state == .cancelled && cancelled.finishedAt != nil)
            #expect(cancelled.step("next")?.state == "cancelled")
            // The running step's worker is told and stops it.
            try await h.wait(for: w.id, step: "slow", "cancelled")
            #expect(await h.control.count("next") == 0)
            let types = try await h.events(w.id).map(\.type)
            #expect(types == ["workflow.submitted", "workflow.cancelled"])
            // A finished workflow cannot be cancelled again.
            await #expect(throws: ConveyorError.self) { try await h.conveyor.cancelWorkflow(id: w.id) }
            try await h.stop()
        }

        @Test(arguments: StoreKind.allCases)
        func retryRerunsOnlyFailedAndCancelledStepsAndTheirDependents(kind: StoreKind) async throws {
            let h = try await WorkflowHarness.start(kind: kind)
            await h.control.setFailing("flaky", true)
            let w = try await h.conveyor.submitWorkflow(
                WorkflowRequest(
                    name: "retry",
                    steps: [
                        step("root"), step("flaky", "flaky", dependsOn: ["root"]), step("after", dependsOn: ["flaky"]),
                        step("side", dependsOn: ["root"]),
                    ], onFailure: .continue))
            let failed = try await h.wait(for: w.id, .failed)
            #expect(failed.stepDetails.map(\.state) == ["succeeded", "failed", "cancelled", "succeeded"])
            // A running workflow cannot be retried; a failed one can.
            await h.control.setFailing("flaky", false)
            let retried = try await h.conveyor.retryWorkflow(id: w.id)
            #expect(retried.state == .running && retried.finishedAt == nil)
            #expect(retried.step("root")?.jobID == failed.step("root")?.jobID)
            #expect(retried.step("flaky")?.jobID != failed.step("flaky")?.jobID)
            #expect(retried.step("after")?.state == "pending")
            let done = try await h.wait(for: w.id, .completed)
            #expect(done.stepDetails.allSatisfy { $0.state == "succeeded" })
            #expect(await h.control.count("root") == 1)
            #expect(await h.control.count("side") == 1)
            #expect(await h.control.count("flaky") == 2)
            #expect(await h.control.count("after") == 1)
            // The new job links to the one it replaces, and got root's result again.
            let flakyID = try #require(done.step("flaky")?.jobID)
            let flaky = try #require(try await h.store.job(id: flakyID))
            #expect(flaky.rerunOf == failed.step("flaky")?.jobID)
            #expect(flaky.payload["inputs"]?["root"]?["by"] == "root")
            await #expect(throws: ConveyorError.self) { try await h.conveyor.retryWorkflow(id: w.id) }
            try await h.stop()
        }

        /// Progress is durable: step jobs that end while no advancer runs are picked up by
        /// the next one (a crash, a leader change).
        @Test(arguments: StoreKind.allCases)
        func stepsThatEndWhileNoAdvancerRunsArePickedUpLater(kind: StoreKind) async throws {
            var id = ""
            let h = try await WorkflowHarness.start(kind: kind) { store, control in
                // No engine yet: submit, and finish the root step by hand as a worker would.
                let offline = Conveyor(store: store, registry: WorkflowHarness.registry(control))
                let w = try await offline.submitWorkflow(
                    WorkflowRequest(name: "offline", steps: [step("a"), step("b", dependsOn: ["a"])]))
                id = w.id
                let now = Date()
                let claimed = try await store.claimJobs(
                    queue: "default", limit: 10, owner: "hand", leaseUntil: now.addingTimeInterval(60), now: now)
                #expect(claimed.count == 1)
                let applied = try await store.completeJobs(
                    claimed.map {
                        JobOutcome(
                            lease: LeaseKey(id: $0.id, attempt: $0.attempt), owner: "hand", kind: .succeeded(result: ["n": 1]),
                            finishedAt: now)
                    })
                #expect(applied == 1)
                #expect(try await store.workflowsToAdvance(limit: 10) == [w.id])
                let waiting = try await offline.workflow(id: w.id)
                #expect(waiting.state == .running && waiting.step("b")?.state == "pending")
            }
            let done = try await h.wait(for: id, .completed)
            #expect(done.step("b")?.state == "succeeded")
            #expect(try await h.store.workflowsToAdvance(limit: 10).isEmpty)
            try await h.stop()
        }

        @Test func builderSubmitsTheSameRequest() async throws {
            let h = try await WorkflowHarness.start(kind: .sqlite)
            let workflow = Workflow("built", onFailure: .continue) {
                Step("a", StepJob.self, StepJob.Payload(action: "ok", label: "a"))
                Step("b", StepJob.self, StepJob.Payload(action: "ok", label: "b"), dependsOn: "a") { $0.maxAttempts = 2 }
                for key in ["c1", "c2"] {
                    Step(key, StepJob.self, StepJob.Payload(action: "ok", label: key), dependsOn: "a", "b")
                }
            }
            let request = try workflow.request()
            #expect(request.steps.map(\.key) == ["a", "b", "c1", "c2"])
            #expect(request.steps[1].maxAttempts == 2 && request.onFailure == .continue)
            let w = try await h.conveyor.submit(workflow)
            let done = try await h.wait(for: w.id, .completed)
            #expect(done.step("c2")?.dependsOn == ["a", "b"])
            #expect(done.step("b")?.maxAttempts == 2)
            try await h.stop()
        }
    }
}
