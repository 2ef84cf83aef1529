import ConveyorCore
import Foundation
import Testing

/// The ``WorkflowStore`` contract, run once per driver. The decisions here are written by
/// hand (not by the planner), so what is checked is the store: that it hands `decide` the
/// locked workflow, applies every part of a ``WorkflowChange`` in one transaction, and
/// rolls all of it back when `decide` throws.
@Suite("WorkflowStore conformance")
struct WorkflowStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let owner = "worker-a"

    func spec(_ type: String, dependsOn: [String] = []) -> WorkflowStepSpec {
        WorkflowStepSpec(
            type: type, queue: "default", priority: 0, payload: ["step": .string(type)], dependsOn: dependsOn, maxAttempts: 3,
            backoff: .fixed(seconds: 10), timeoutSeconds: nil, tags: [], metadata: [:])
    }

    /// `a`, then `b` once `a` succeeded.
    func newWorkflow(tenant: String = "acme", name: String = "etl", at: Date? = nil) -> NewWorkflow {
        let at = at ?? t0
        return NewWorkflow(
            record: WorkflowRecord(
                id: JobID.make(at: at), tenant: tenant, name: name, state: .running, onFailure: .failFast, createdAt: at,
                finishedAt: nil, createdBy: "key:abc"),
            steps: [("a", spec("extract")), ("b", spec("load", dependsOn: ["a"]))])
    }

    func stepJob(_ key: String, of snapshot: WorkflowSnapshot, now: Date) -> NewJob {
        let step = snapshot.steps.first { $0.key == key }!
        return NewJob(
            type: step.spec.type, queue: step.spec.queue, payload: step.spec.payload, runAt: now, maxAttempts: step.spec.maxAttempts,
            backoff: step.spec.backoff, tenant: snapshot.workflow.tenant, createdAt: now, workflowID: snapshot.workflow.id,
            step: key)
    }

    /// Inserts the workflow with `a`'s job created and `workflow.submitted` appended.
    func submit(_ store: any StoreDriver, _ workflow: NewWorkflow? = nil) async throws -> WorkflowUpdateResult {
        let workflow = workflow ?? newWorkflow()
        let t0 = self.t0
        return try await store.insertWorkflow(workflow) { snapshot in
            var change = WorkflowChange(now: t0)
            change.createJobs = [stepJob("a", of: snapshot, now: t0)]
            change.events = [.submitted]
            return change
        }
    }

    func step(_ key: String, _ snapshot: WorkflowSnapshot?) throws -> WorkflowStepRecord {
        try #require(snapshot?.steps.first { $0.key == key })
    }

    /// Claims `jobID` and ends it with `kind`.
    func finish(_ store: any StoreDriver, _ jobID: String, _ kind: JobOutcome.Kind) async throws {
        let claimed = try await store.claimJobs(queue: "default", limit: 10, owner: owner, leaseUntil: t0 + 30, now: t0)
        let job = try #require(claimed.first { $0.id == jobID })
        #expect(try await store.completeJobs([JobOutcome(lease: job.lease, owner: owner, kind: kind, finishedAt: t0 + 1)]) == 1)
    }

    struct Refused: Error {}

    // MARK: insertWorkflow

    @Test(arguments: StoreKind.allCases)
    func insertWorkflowStoresStepsThenAppliesTheDecision(kind: StoreKind) async throws {
        let store = try await kind.make()
        let workflow = newWorkflow()
        let seen = Box<WorkflowSnapshot?>(nil)
        let t0 = self.t0
        let result = try await store.insertWorkflow(workflow) { snapshot in
            seen.value = snapshot
            var change = WorkflowChange(now: t0)
            change.createJobs = [stepJob("a", of: snapshot, now: t0)]
            change.events = [.submitted]
            return change
        }
        // `decide` saw the workflow as inserted: every step pending, none with a job.
        let before = try #require(seen.value)
        #expect(before.workflow == workflow.record)
        #expect(before.steps.map(\.key) == ["a", "b"] && before.steps.map(\.spec) == workflow.steps.map(\.spec))
        #expect(before.steps.allSatisfy { $0.jobID == nil && $0.state == "pending" && !$0.settled })

        let a = try step("a", result.snapshot)
        let job = try #require(a.job)
        #expect(a.jobID == job.id && job.state == .queued && job.workflowID == workflow.record.id && job.step == "a")
        #expect(job.tenant == "acme" && job.payload == ["step": "extract"])
        let b = try step("b", result.snapshot)
        #expect(b.jobID == nil && b.pendingState == .pending)
        #expect(try await store.workflow(id: workflow.record.id) == result.snapshot)
        #expect(try await store.job(id: job.id) == job)

        // The step job's submission, then the workflow's, carrying the workflow as written.
        let events = try await store.readEvents(EventQuery(after: 0, limit: 100)).events
        #expect(events.map(\.type) == ["job.submitted", "workflow.submitted"])
        let submitted = events[1]
        #expect(submitted.key == workflow.record.id && submitted.tenant == "acme")
        let data = try WorkflowEvent.submitted.data(result.snapshot)
        #expect(submitted.data == (try ConveyorJSON.decode(JSONValue.self, from: Data(data.utf8))))
    }

    @Test(arguments: StoreKind.allCases)
    func insertWorkflowWritesNothingWhenTheDecisionThrows(kind: StoreKind) async throws {
        let store = try await kind.make()
        let workflow = newWorkflow()
        await #expect(throws: Refused.self) {
            _ = try await store.insertWorkflow(workflow) { _ in throw Refused() }
        }
        #expect(try await store.workflow(id: workflow.record.id) == nil)
        #expect(try await store.listWorkflows(WorkflowQuery()).workflows.isEmpty)
        #expect(try await store.listJobs(JobQuery()).jobs.isEmpty)
        #expect(try await store.readEvents(EventQuery(after: 0)).events.isEmpty)
        // The same id can be inserted afterwards: the failed attempt left no row behind.
        #expect(try await submit(store, workflow).snapshot.workflow.id == workflow.record.id)
    }

    // MARK: updateWorkflow

    @Test(arguments: StoreKind.allCases)
    func updateWorkflowSettlesCreatesAndAnnounces(kind: StoreKind) async throws {
        let store = try await kind.make()
        let id = try await submit(store).snapshot.workflow.id
        let aJob = try #require(try step("a", try await store.workflow(id: id)).jobID)
        try await finish(store, aJob, .succeeded(result: ["rows": 3]))

        let t1 = t0 + 5
        let result = try #require(
            try await store.updateWorkflow(id: id) { snapshot in
                // The decision sees the step's job as it ended.
                let a = snapshot.steps.first { $0.key == "a" }!
                #expect(a.endedUnsettled && a.job?.state == .succeeded && a.job?.result == ["rows": 3])
                var change = WorkflowChange(now: t1)
                change.settle = ["a"]
                change.createJobs = [stepJob("b", of: snapshot, now: t1)]
                change.events = [.stepCompleted("a")]
                return change
            })
        let a = try step("a", result.snapshot)
        let b = try step("b", result.snapshot)
        #expect(a.settled && !a.endedUnsettled)
        #expect(b.job?.state == .queued && b.job?.step == "b" && b.pendingState == nil)
        #expect(try await store.workflow(id: id) == result.snapshot)
        let events = try await store.readEvents(EventQuery(after: 0, key: id, limit: 100)).events
        #expect(events.map(\.type) == ["workflow.submitted", "workflow.step_completed"])
        #expect(events.last?.data["step"] == "a")

        // An empty change writes nothing and appends nothing.
        let head = try await store.readEvents(EventQuery(after: 0, limit: 100)).events.count
        let same = try #require(try await store.updateWorkflow(id: id) { _ in WorkflowChange(now: t1) })
        #expect(same.snapshot == result.snapshot && same.change.isEmpty)
        #expect(try await store.readEvents(EventQuery(after: 0, limit: 100)).events.count == head)
    }

    @Test(arguments: StoreKind.allCases)
    func updateWorkflowCancelsWaitingJobsAndFlagsRunningOnes(kind: StoreKind) async throws {
        let store = try await kind.make()
        // Both steps get a job at once here, so one can run while the other waits.
        let t0 = self.t0
        let inserted = try await store.insertWorkflow(newWorkflow()) { snapshot in
            var change = WorkflowChange(now: t0)
            change.createJobs = [stepJob("a", of: snapshot, now: t0)]
            return change
        }
        let id = inserted.snapshot.workflow.id
        let running = try #require(try step("a", inserted.snapshot).jobID)
        _ = try await store.claimJobs(queue: "default", limit: 1, owner: owner, leaseUntil: t0 + 30, now: t0)
        let withB = try await store.updateWorkflow(id: id) { snapshot in
            var change = WorkflowChange(now: t0)
            change.createJobs = [stepJob("b", of: snapshot, now: t0)]
            return change
        }
        let waiting = try #require(try step("b", withB?.snapshot).jobID)

        let t1 = t0 + 9
        let result = try #require(
            try await store.updateWorkflow(id: id) { _ in
                var change = WorkflowChange(now: t1)
                change.cancelJobs = [waiting, running]  // the running one is not waiting: untouched
                change.requestCancel = [running, waiting]  // the cancelled one is not running: untouched
                change.state = .cancelled
                change.finishedAt = t1
                change.events = [.cancelled]
                return change
            })
        #expect(result.snapshot.workflow.state == .cancelled && result.snapshot.workflow.finishedAt == t1)
        let cancelled = try #require(try await store.job(id: waiting))
        #expect(cancelled.state == .cancelled && cancelled.finishedAt == t1 && !cancelled.cancelRequested)
        let stopping = try #require(try await store.job(id: running))
        #expect(stopping.state == .running && stopping.cancelRequested)
        #expect(try await store.readEvents(EventQuery(after: 0, key: waiting)).events.map(\.type) == ["job.submitted", "job.cancelled"])
        #expect(try await store.readEvents(EventQuery(after: 0, key: id)).events.map(\.type) == ["workflow.cancelled"])
        #expect(try await store.listWorkflows(WorkflowQuery(state: .cancelled)).workflows.map(\.workflow.id) == [id])
    }

    @Test(arguments: StoreKind.allCases)
    func updateWorkflowResetsStepsAndRollsBackOnThrow(kind: StoreKind) async throws {
        let store = try await kind.make()
        let id = try await submit(store).snapshot.workflow.id
        let aJob = try #require(try step("a", try await store.workflow(id: id)).jobID)
        try await finish(store, aJob, .failed(error: AttemptError(attempt: 1, message: "x", type: "X", at: t0)))
        let before = try await store.workflow(id: id)

        // A throwing decision writes nothing.
        let t1 = t0 + 3
        await #expect(throws: Refused.self) {
            _ = try await store.updateWorkflow(id: id) { _ in throw Refused() }
        }
        #expect(try await store.workflow(id: id) == before)

        // `pending` detaches the step from its old job (a retry); `cancelled` marks a step that will not run.
        let result = try #require(
            try await store.updateWorkflow(id: id) { _ in
                var change = WorkflowChange(now: t1)
                change.stepStates = ["a": .pending, "b": .cancelled]
                change.state = .failed
                change.finishedAt = t1
                return change
            })
        let a = try step("a", result.snapshot)
        #expect(a.jobID == nil && a.job == nil && a.pendingState == .pending && a.state == "pending")
        #expect(try step("b", result.snapshot).state == "cancelled")
        #expect(try await store.job(id: aJob)?.state == .failed, "the old job stays as it ended")
        #expect(try await store.workflowsToAdvance(limit: 10).isEmpty, "a detached step is not in flight")
        #expect(result.snapshot.workflow.state == .failed && result.snapshot.workflow.finishedAt == t1)

        #expect(try await store.updateWorkflow(id: "no-such-workflow") { _ in WorkflowChange(now: t1) } == nil)
    }

    // MARK: workflow

    @Test(arguments: StoreKind.allCases)
    func workflowReadsStepsInSubmittedOrderWithTheirJobs(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.workflow(id: "missing") == nil)
        var workflow = newWorkflow()
        workflow.steps = [("z", spec("first")), ("m", spec("second")), ("a", spec("third", dependsOn: ["z", "m"]))]
        let t0 = self.t0
        let result = try await store.insertWorkflow(workflow) { snapshot in
            var change = WorkflowChange(now: t0)
            change.createJobs = [stepJob("m", of: snapshot, now: t0)]
            return change
        }
        let read = try #require(try await store.workflow(id: workflow.record.id))
        #expect(read == result.snapshot)
        #expect(read.steps.map(\.key) == ["z", "m", "a"] && read.steps.map(\.position) == [0, 1, 2])
        #expect(read.steps.map(\.spec) == workflow.steps.map(\.spec))
        #expect(read.steps[1].job?.id == read.steps[1].jobID && read.steps[1].jobID != nil)
        #expect(read.workflow.createdBy == "key:abc" && read.workflow.onFailure == .failFast)
    }

    // MARK: listWorkflows

    @Test(arguments: StoreKind.allCases)
    func listWorkflowsFiltersAndPagesNewestFirst(kind: StoreKind) async throws {
        let store = try await kind.make()
        var ids: [String] = []
        for i in 0..<5 {
            let w = newWorkflow(tenant: i == 0 ? "globex" : "acme", name: i % 2 == 0 ? "even" : "odd", at: t0 + Double(i))
            ids.append(try await submit(store, w).snapshot.workflow.id)
        }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await store.listWorkflows(WorkflowQuery(limit: 2, cursor: cursor))
            #expect(page.workflows.count <= 2)
            seen += page.workflows.map(\.workflow.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen == ids.reversed(), "newest first, each once")
        #expect(try await store.listWorkflows(WorkflowQuery(tenant: "globex")).workflows.map(\.workflow.id) == [ids[0]])
        #expect(try await store.listWorkflows(WorkflowQuery(name: "odd")).workflows.map(\.workflow.id) == [ids[3], ids[1]])
        #expect(try await store.listWorkflows(WorkflowQuery(state: .completed)).workflows.isEmpty)
        let last = try await store.listWorkflows(WorkflowQuery(limit: 5))
        #expect(last.workflows.count == 5 && last.nextCursor == nil, "an exact last page says no more")
        // Each listed workflow is the full snapshot.
        #expect(last.workflows.first == (try await store.workflow(id: ids[4])))
    }

    // MARK: workflowsToAdvance

    @Test(arguments: StoreKind.allCases)
    func workflowsToAdvanceFindsOnlyEndedUnsettledSteps(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.workflowsToAdvance(limit: 10).isEmpty)
        let first = try await submit(store).snapshot
        let second = try await submit(store, newWorkflow(at: t0 + 1)).snapshot
        let third = try await submit(store, newWorkflow(at: t0 + 2)).snapshot
        #expect(try await store.workflowsToAdvance(limit: 10).isEmpty, "queued step jobs have not ended")

        // A running job has not ended either; ending it (any way) puts the workflow in the list.
        let claimed = try await store.claimJobs(queue: "default", limit: 10, owner: owner, leaseUntil: t0 + 30, now: t0)
        #expect(claimed.count == 3)
        #expect(try await store.workflowsToAdvance(limit: 10).isEmpty)
        let lease = { (w: WorkflowSnapshot) in claimed.first { $0.id == w.steps[0].jobID }!.lease }
        try await store.completeJobs([
            JobOutcome(lease: lease(first), owner: owner, kind: .succeeded(result: nil), finishedAt: t0 + 1),
            JobOutcome(lease: lease(second), owner: owner, kind: .cancelled(reason: "asked"), finishedAt: t0 + 1),
        ])
        #expect(Set(try await store.workflowsToAdvance(limit: 10)) == [first.workflow.id, second.workflow.id])
        #expect(try await store.workflowsToAdvance(limit: 1).count == 1)
        // A retry is not an end: the step's job is still in flight.
        try await store.completeJobs([
            JobOutcome(
                lease: lease(third), owner: owner,
                kind: .retry(at: t0 + 60, error: AttemptError(attempt: 1, message: "x", type: "X", at: t0)), finishedAt: t0 + 1)
        ])
        #expect(!(try await store.workflowsToAdvance(limit: 10)).contains(third.workflow.id))

        // Settling the step takes it off the list, and settling is idempotent.
        for _ in 0..<2 {
            _ = try await store.updateWorkflow(id: first.workflow.id) { _ in
                var change = WorkflowChange(now: Date(timeIntervalSince1970: 1_800_000_002))
                change.settle = ["a"]
                return change
            }
        }
        #expect(try await store.workflowsToAdvance(limit: 10) == [second.workflow.id])
    }
}

/// A value a `@Sendable` closure hands back to its test.
final class Box<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
