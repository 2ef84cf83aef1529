import ConveyorCore
import Prometheus
import Synchronization

/// The `conveyor_queue_depth{queue,state}` gauges, refreshed from the store at scrape
/// time so the exported depth is exact rather than as old as the last engine tick.
final class QueueDepthGauges: Sendable {
    static let name = "conveyor_queue_depth"

    private struct Series: Hashable {
        var queue: String
        var state: String
    }

    private let registry: PrometheusCollectorRegistry
    /// Series set by earlier refreshes, so one whose queue has vanished from the stats
    /// (all its jobs pruned) drops to 0 instead of repeating its last value forever.
    private let known = Mutex<Set<Series>>([])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// - Parameter label: The queue's label value; queues past the bound share one
    ///   (``QueueNameBound``), and their counts are summed under it.
    func update(_ stats: [QueueStats], label: (String) -> String = { $0 }) {
        var totals: [Series: Int] = [:]
        for queue in stats {
            for (state, count) in queue.counts {
                totals[Series(queue: label(queue.queue), state: state), default: 0] += count
            }
        }
        known.withLock { known in
            var current: Set<Series> = []
            for (series, count) in totals {
                gauge(series).set(to: Double(count))
                current.insert(series)
            }
            for series in known.subtracting(current) {
                gauge(series).set(to: 0)
            }
            known.formUnion(current)
        }
    }

    private func gauge(_ series: Series) -> Gauge {
        // Empty help text: the engine may create the same gauge through swift-metrics,
        // which registers it without help, and the registry traps on a help mismatch.
        registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: Self.name, unitName: "", helpText: ""),
            labels: [("queue", series.queue), ("state", series.state)])
    }
}
