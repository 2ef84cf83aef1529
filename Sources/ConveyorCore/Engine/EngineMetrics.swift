import Metrics

/// The engine's counters and histograms, created through an injected factory so each
/// server (and each test) can own its registry.
struct EngineMetrics: Sendable {
    let factory: any MetricsFactory
    /// Keeps the queue label's values bounded.
    let queueNames: QueueNameBound

    func enqueued(queue: String, type: String, count: Int = 1) {
        Counter(
            label: "conveyor_jobs_enqueued_total", dimensions: [("queue", queueNames.label(for: queue)), ("type", type)],
            factory: factory)
            .increment(by: count)
    }

    /// The handles for one queue and job type. Workers keep these rather than looking
    /// metrics up by name for every job.
    func jobs(queue: String, type: String) -> JobMetrics {
        let dimensions = [("queue", queueNames.label(for: queue)), ("type", type)]
        func counter(_ label: String) -> Counter { Counter(label: label, dimensions: dimensions, factory: factory) }
        return JobMetrics(
            started: counter("conveyor_jobs_started_total"),
            succeeded: counter("conveyor_jobs_succeeded_total"),
            failed: counter("conveyor_jobs_failed_total"),
            retried: counter("conveyor_jobs_retried_total"),
            cancelled: counter("conveyor_jobs_cancelled_total"),
            snoozed: counter("conveyor_jobs_snoozed_total"),
            duration: Timer(label: "conveyor_job_duration_seconds", dimensions: dimensions, factory: factory))
    }
}

struct JobMetrics {
    let started: Counter
    let succeeded: Counter
    let failed: Counter
    let retried: Counter
    let cancelled: Counter
    let snoozed: Counter
    let duration: Timer

    func finished(_ outcome: JobOutcome.Kind, after elapsed: Duration) {
        switch outcome {
        case .succeeded: succeeded.increment()
        case .failed: failed.increment()
        case .retry: retried.increment()
        case .cancelled: cancelled.increment()
        case .snoozed: snoozed.increment()
        case .released: break
        }
        let c = elapsed.components
        duration.recordNanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
    }
}
