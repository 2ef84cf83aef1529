import Metrics

/// The engine's counters and histograms, created through an injected factory so each
/// server (and each test) can own its registry.
struct EngineMetrics: Sendable {
    let factory: any MetricsFactory

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func enqueued(queue: String, type: String, count: Int = 1) {
        Counter(label: "conveyor_jobs_enqueued_total", dimensions: [("queue", queue), ("type", type)], factory: factory)
            .increment(by: count)
    }

    func started(_ job: ClaimedJob) {
        counter("conveyor_jobs_started_total", job)
    }

    func finished(_ job: ClaimedJob, outcome: JobOutcome.Kind, seconds: Double) {
        switch outcome {
        case .succeeded: counter("conveyor_jobs_succeeded_total", job)
        case .failed: counter("conveyor_jobs_failed_total", job)
        case .retry: counter("conveyor_jobs_retried_total", job)
        case .cancelled: counter("conveyor_jobs_cancelled_total", job)
        case .snoozed: counter("conveyor_jobs_snoozed_total", job)
        case .released: break
        }
        Timer(label: "conveyor_job_duration_seconds", dimensions: [("queue", job.queue), ("type", job.type)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    func queueDepth(queue: String, state: String, count: Int) {
        Gauge(label: "conveyor_queue_depth", dimensions: [("queue", queue), ("state", state)], factory: factory)
            .record(count)
    }

    private func counter(_ label: String, _ job: ClaimedJob) {
        Counter(label: label, dimensions: [("queue", job.queue), ("type", job.type)], factory: factory).increment()
    }
}
