import Foundation

/// Decides what an attempt's result means for its job: success, a retry after backoff,
/// the dead-letter state, a snooze, a cancellation or a hand-back at shutdown.
enum OutcomeResolver {
    static func resolve(
        job: ClaimedJob, result: Result<JSONValue?, any Error>, stopReason: StopReason?, owner: String, now: Date
    ) -> JobOutcome? {
        func outcome(_ kind: JobOutcome.Kind) -> JobOutcome {
            JobOutcome(lease: job.lease, owner: owner, kind: kind, finishedAt: now)
        }
        if stopReason == .leaseLost { return nil }
        // The handler found its lease gone before a side effect: the job belongs to
        // whoever holds it now, and fencing would discard an outcome anyway.
        if case .failure(let error) = result, error is LeaseExpiredError { return nil }

        let error: any Error
        switch result {
        case .success(let value):
            // A handler that finished despite a stop request did its work; keep it.
            return outcome(.succeeded(result: value))
        case .failure(let e):
            error = e
        }

        switch stopReason {
        case .cancelRequested:
            return outcome(.cancelled(reason: "cancelled on request while running"))
        case .shutdown:
            return outcome(.released)
        case .timeout:
            let message = "timed out after \(job.timeoutSeconds.map { String(format: "%g", $0) } ?? "?")s"
            return failure(job, AttemptError(attempt: job.attempt, message: message, type: "timeout", at: now), now, outcome)
        case .leaseLost, .none:
            break
        }

        switch error {
        case JobControl.fail(let reason):
            return outcome(.failed(error: AttemptError(attempt: job.attempt, message: reason, type: "permanent", at: now)))
        case JobControl.retry(let after, let reason):
            let record = AttemptError(attempt: job.attempt, message: reason, type: "retry", at: now)
            guard job.attempt < job.maxAttempts else { return outcome(.failed(error: record)) }
            return outcome(.retry(at: now.addingTimeInterval(after.seconds), error: record))
        case JobControl.snooze(let duration):
            return outcome(.snoozed(until: now.addingTimeInterval(duration.seconds)))
        case JobControl.rateLimited(let retryAfter, let pauseKey):
            let until = now.addingTimeInterval(max(0, retryAfter.seconds))
            var limited = outcome(.snoozed(until: until))
            if pauseKey { limited.pauseKeyUntil = until }
            return limited
        case let decoding as PayloadDecodingError:
            let record = AttemptError(attempt: job.attempt, message: decoding.description, type: "payload_decoding", at: now)
            return outcome(.failed(error: record))
        case is CancellationError:
            let record = AttemptError(attempt: job.attempt, message: "the handler was cancelled", type: "cancelled", at: now)
            return failure(job, record, now, outcome)
        default:
            let type = (error as? any CategorizedError)?.category ?? String(describing: Swift.type(of: error))
            let record = AttemptError(attempt: job.attempt, message: String(describing: error), type: type, at: now)
            return failure(job, record, now, outcome)
        }
    }

    private static func failure(
        _ job: ClaimedJob, _ record: AttemptError, _ now: Date, _ outcome: (JobOutcome.Kind) -> JobOutcome
    ) -> JobOutcome {
        guard job.attempt < job.maxAttempts else { return outcome(.failed(error: record)) }
        let delay = job.backoff.delay(afterAttempt: job.attempt)
        return outcome(.retry(at: now.addingTimeInterval(delay), error: record))
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
