import Foundation

/// The workflow rules, as pure functions from a locked snapshot to a ``WorkflowChange``.
/// Every decision is made from state, not from the event that prompted it, so running a
/// decision twice (two nodes, a crash before commit) changes nothing the second time.
enum WorkflowPlanner {
    /// Moves a running workflow forward: settles and announces the steps whose jobs ended,
    /// creates the jobs of steps whose dependencies all succeeded, applies the failure
    /// policy, and ends the workflow when nothing is left to run. A finished workflow's
    /// late step ends (a step stopping after a cancel) are settled without an event.
    static func advance(_ snapshot: WorkflowSnapshot, now: Date) -> WorkflowChange {
        var change = WorkflowChange(now: now)
        // Each end is told once: the transaction that tells it settles the step.
        for step in snapshot.steps where step.endedUnsettled {
            change.settle.append(step.key)
            if snapshot.workflow.state == .running { change.events.append(.stepCompleted(step.key)) }
        }
        guard snapshot.workflow.state == .running else { return change }
        plan(snapshot, into: &change, now: now)
        return change
    }

    /// The decisions `advance` and `retry` share, on top of steps already reset by `change`.
    private static func plan(_ snapshot: WorkflowSnapshot, into change: inout WorkflowChange, now: Date) {
        var status = statuses(snapshot, change)
        let failed = status.values.contains { $0 == .failed || $0 == .cancelled }
        let byKey = Dictionary(uniqueKeysWithValues: snapshot.steps.map { ($0.key, $0) })

        if failed && snapshot.workflow.onFailure == .failFast {
            for step in snapshot.steps {
                switch status[step.key] ?? .cancelled {
                case .pending:
                    change.stepStates[step.key] = .cancelled
                    status[step.key] = .cancelled
                case .job(.scheduled), .job(.queued), .job(.retrying):
                    change.cancelJobs.append(step.jobID!)
                    status[step.key] = .cancelled
                default: break
                }
            }
        } else {
            // `continue` (or no failure): a step that can never run is cancelled, which may
            // doom its own dependents, so repeat until nothing changes.
            var moved = true
            while moved {
                moved = false
                for step in snapshot.steps where status[step.key] == .pending {
                    if step.spec.dependsOn.contains(where: { status[$0] == .failed || status[$0] == .cancelled }) {
                        change.stepStates[step.key] = .cancelled
                        status[step.key] = .cancelled
                        moved = true
                    }
                }
            }
            for step in snapshot.steps where status[step.key] == .pending {
                guard step.spec.dependsOn.allSatisfy({ status[$0] == .job(.succeeded) }) else { continue }
                let inputs = Dictionary(
                    uniqueKeysWithValues: step.spec.dependsOn.map { ($0, byKey[$0]?.job?.result ?? .null) })
                change.createJobs.append(job(for: step, of: snapshot.workflow, inputs: inputs, now: now))
                change.stepStates.removeValue(forKey: step.key)
                status[step.key] = .job(.queued)
            }
        }

        if status.values.allSatisfy(\.isFinal) {
            let succeeded = status.values.allSatisfy { $0 == .job(.succeeded) }
            change.state = succeeded ? .completed : .failed
            change.finishedAt = now
            change.events.append(succeeded ? .completed : .failed)
        }
    }

    /// Cancels a running workflow: pending steps will not run, waiting jobs are cancelled
    /// and running ones are asked to stop.
    static func cancel(_ snapshot: WorkflowSnapshot, now: Date) throws(ConveyorError) -> WorkflowChange {
        let w = snapshot.workflow
        guard w.state == .running else {
            throw ConveyorError(
                .conflict,
                "Workflow \(w.id) already ended \(w.state.rawValue) and cannot be cancelled. To run its failed and cancelled steps again, use POST /v1/workflows/\(w.id)/retry.")
        }
        var change = WorkflowChange(now: now)
        for step in snapshot.steps {
            guard let jobID = step.jobID else {
                if step.pendingState != .cancelled { change.stepStates[step.key] = .cancelled }
                continue
            }
            switch step.job?.state {
            case .scheduled, .queued, .retrying: change.cancelJobs.append(jobID)
            case .running: change.requestCancel.append(jobID)
            default: break
            }
        }
        change.state = .cancelled
        change.finishedAt = now
        change.events.append(.cancelled)
        return change
    }

    /// Runs a finished workflow's failed and cancelled steps again, and with them their
    /// dependents (which cannot have run); succeeded steps keep their results.
    static func retry(_ snapshot: WorkflowSnapshot, now: Date) throws(ConveyorError) -> WorkflowChange {
        let w = snapshot.workflow
        guard w.state == .failed || w.state == .cancelled else {
            throw ConveyorError(
                .conflict,
                "Workflow \(w.id) is \(w.state.rawValue); only a failed or cancelled workflow can be retried.")
        }
        if let busy = snapshot.steps.first(where: { $0.job.map { !$0.state.isFinal } ?? false }) {
            throw ConveyorError(
                .conflict,
                "Workflow \(w.id) still has step '\(busy.key)' \(busy.state) (asked to stop); retry once it has stopped.")
        }
        var change = WorkflowChange(now: now)
        var reset = snapshot
        // Succeeded steps stay as they are; one that ended after the workflow did is settled now.
        change.settle = snapshot.steps.filter { $0.endedUnsettled && $0.job?.state == .succeeded }.map(\.key)
        for (i, step) in snapshot.steps.enumerated() where step.job?.state != .succeeded {
            change.stepStates[step.key] = .pending
            reset.steps[i].jobID = nil
            reset.steps[i].job = nil
            reset.steps[i].pendingState = .pending
        }
        reset.workflow.state = .running
        change.state = .running
        change.finishedAt = nil
        plan(reset, into: &change, now: now)
        // A re-created step links to the job it replaces.
        let previous = Dictionary(uniqueKeysWithValues: snapshot.steps.compactMap { s in s.jobID.map { (s.key, $0) } })
        for i in change.createJobs.indices {
            change.createJobs[i].rerunOf = change.createJobs[i].step.flatMap { previous[$0] }
        }
        return change
    }

    /// The step's job, with its dependencies' results in `payload.inputs`.
    static func job(for step: WorkflowStepRecord, of workflow: WorkflowRecord, inputs: [String: JSONValue], now: Date) -> NewJob {
        let spec = step.spec
        let payload = spec.dependsOn.isEmpty ? spec.payload : WorkflowValidator.payload(spec.payload, inputs: inputs)
        return NewJob(
            type: spec.type, queue: spec.queue, priority: spec.priority, payload: payload, runAt: now,
            maxAttempts: spec.maxAttempts, backoff: spec.backoff, timeoutSeconds: spec.timeoutSeconds, tags: spec.tags,
            tenant: workflow.tenant, metadata: spec.metadata, createdAt: now, workflowID: workflow.id, step: step.key,
            createdBy: workflow.createdBy)
    }

    /// Each step's state for planning, with the change's step resets applied.
    private static func statuses(_ snapshot: WorkflowSnapshot, _ change: WorkflowChange) -> [String: StepStatus] {
        var status: [String: StepStatus] = [:]
        for step in snapshot.steps {
            if let reset = change.stepStates[step.key] {
                status[step.key] = reset == .pending ? .pending : .cancelled
            } else if step.jobID == nil {
                status[step.key] = step.pendingState == .cancelled ? .cancelled : .pending
            } else if let job = step.job {
                status[step.key] = job.state == .cancelled ? .cancelled : .job(job.state)
            } else {
                // Pruned: it finished long ago. Only a succeeded job lives shorter than its
                // workflow's interest in it, so count it as succeeded.
                status[step.key] = .job(.succeeded)
            }
        }
        return status
    }

    private enum StepStatus: Hashable {
        case pending
        case cancelled
        case job(JobState)

        static let failed = StepStatus.job(.failed)

        var isFinal: Bool {
            switch self {
            case .pending: false
            case .cancelled: true
            case .job(let state): state.isFinal
            }
        }
    }
}
