import Foundation

/// What a remote worker's report means for its job: the same decisions
/// ``OutcomeResolver`` makes for a Swift handler, from the report's fields instead of a
/// thrown error.
enum RemoteOutcome {
    /// The longest a snooze or an explicit retry delay may be, as for `delay_seconds`.
    static let maxDelaySeconds = StartHorizon.maxDelaySeconds

    /// Problems with the report itself, before any job is read.
    static func check(_ request: WorkerOutcomeRequest, prefix: String) -> [ValidationFailure] {
        var failures: [ValidationFailure] = []
        switch request.outcome {
        case nil:
            failures.append(ValidationFailure(prefix + "outcome", "required: complete, fail or snooze"))
        case .complete:
            break
        case .fail:
            if let error = request.error {
                if error.message.isEmpty || error.message.utf8.count > 10_000 {
                    failures.append(ValidationFailure(prefix + "error.message", "must be 1–10000 bytes"))
                }
                if let type = error.type, type.isEmpty || type.utf8.count > 200 {
                    failures.append(ValidationFailure(prefix + "error.type", "must be 1–200 bytes"))
                }
            } else {
                failures.append(ValidationFailure(prefix + "error", "required for fail: {\"message\": \"...\", \"retryable\": true}"))
            }
            if let after = request.retryAfterSeconds, !(0...maxDelaySeconds).contains(after) {
                failures.append(ValidationFailure(prefix + "retry_after_seconds", "must be between 0 and \(Int(maxDelaySeconds))"))
            }
        case .snooze:
            if let seconds = request.seconds {
                if !(0...maxDelaySeconds).contains(seconds) {
                    failures.append(ValidationFailure(prefix + "seconds", "must be between 0 and \(Int(maxDelaySeconds))"))
                }
            } else {
                failures.append(ValidationFailure(prefix + "seconds", "required for snooze: how long to wait before running the job again"))
            }
        }
        if let result = request.result, request.outcome != .complete, result != .null {
            failures.append(ValidationFailure(prefix + "result", "only a complete outcome carries a result"))
        }
        return failures
    }

    /// The outcome to write for a checked report on `job`, held by `owner`.
    static func resolve(_ request: WorkerOutcomeRequest, job: Job, owner: String, now: Date) -> JobOutcome {
        let lease = LeaseKey(id: job.id, attempt: job.attempt)
        func outcome(_ kind: JobOutcome.Kind) -> JobOutcome {
            JobOutcome(lease: lease, owner: owner, kind: kind, finishedAt: now)
        }
        switch request.outcome ?? .complete {
        case .complete:
            return outcome(.succeeded(result: request.result == .null ? nil : request.result))
        case .snooze:
            return outcome(.snoozed(until: now.addingTimeInterval(request.seconds ?? 0)))
        case .fail:
            let failure = request.error ?? .init(message: "failed")
            // Asked to cancel while it ran: it ends cancelled, not retried (as in-process).
            if job.cancelRequested { return outcome(.cancelled(reason: "cancelled on request while running")) }
            let record = AttemptError(attempt: job.attempt, message: failure.message, type: failure.type ?? "error", at: now)
            guard failure.retryable ?? true, job.attempt < job.maxAttempts else { return outcome(.failed(error: record)) }
            let delay = request.retryAfterSeconds ?? job.backoff.delay(afterAttempt: job.attempt)
            return outcome(.retry(at: now.addingTimeInterval(delay), error: record))
        }
    }

    /// The state an applied outcome leaves its job in.
    static func state(after kind: JobOutcome.Kind) -> JobState {
        switch kind {
        case .succeeded: .succeeded
        case .retry: .retrying
        case .failed: .failed
        case .snoozed: .scheduled
        case .cancelled: .cancelled
        case .released: .queued
        }
    }
}
