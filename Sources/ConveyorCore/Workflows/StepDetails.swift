import Foundation

extension WorkflowStatus {
    /// The one way a workflow's public shape is built. `GET /v1/workflows/{id}`, the list,
    /// every `workflow.*` event and the Swift API all call it on a snapshot read in one
    /// transaction, so they cannot disagree (issue: two trackers, two payloads, one of
    /// them missing `error`).
    public init(_ snapshot: WorkflowSnapshot) {
        let w = snapshot.workflow
        self.init(
            id: w.id, name: w.name, tenant: w.tenant, state: w.state, onFailure: w.onFailure, createdAt: w.createdAt,
            finishedAt: w.finishedAt, createdBy: w.createdBy, stepDetails: snapshot.steps.map(StepDetail.init))
    }
}

extension StepDetail {
    /// One step of `step_details`, from its row and its current job.
    init(_ step: WorkflowStepRecord) {
        let job = step.job
        let duration: Int64? =
            if let started = job?.startedAt, let finished = job?.finishedAt {
                Int64((finished.timeIntervalSince(started) * 1000).rounded())
            } else { nil }
        // The error is shown exactly when the step failed or waits to retry: the last
        // entry of `errors` is the attempt that put it there.
        var error: StepError?
        if let job, job.state == .failed || job.state == .retrying, let last = job.errors.last {
            error = StepError(message: last.message, type: last.type, attempt: last.attempt, at: last.at)
        }
        self.init(
            key: step.key, type: step.spec.type, jobID: step.jobID, state: step.state, attempt: job?.attempt ?? 0,
            maxAttempts: job?.maxAttempts ?? step.spec.maxAttempts, dependsOn: step.spec.dependsOn,
            startedAt: job?.startedAt, finishedAt: job?.finishedAt, durationMS: duration, result: job?.result,
            error: error)
    }
}
