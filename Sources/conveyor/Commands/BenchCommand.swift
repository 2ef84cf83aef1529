import ArgumentParser
import ConveyorCore
import ConveyorSQLite
import Foundation
import Logging
import ServiceLifecycle

/// `conveyor bench`: bulk enqueue, drain with in-process workers, and idle pickup latency.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure enqueue and processing throughput and pickup latency.")

    @Option(help: "No-op jobs to enqueue and drain.") var jobs = 50_000
    @Option(help: "Worker concurrency.") var concurrency = 100
    @Option(help: "Jobs per enqueue batch (one transaction each).") var batch = 1_000
    @Option(help: "Single jobs timed for pickup latency, on an idle worker.") var latencySamples = 300
    @Option(help: "A SQLite file to use (default: a fresh temporary file).") var database: String?

    func run() async throws {
        let path = database ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("conveyor-bench-\(JobID.make()).sqlite").path
        defer { if database == nil { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } } }
        var logger = Logger(label: "conveyor.bench")
        logger.logLevel = .warning
        let store = try SQLiteJobStore(path: path)
        try await store.migrate()
        let probe = StartProbe()
        var registry = JobRegistry()
        registry.register(BenchJob(probe: probe))
        let conveyor = Conveyor(store: store, registry: registry, logger: logger)

        print("machine: \(MachineDescription.current)")
        print("store: sqlite (\(path)), jobs: \(jobs), concurrency: \(concurrency), batch: \(batch)")

        // 1. Bulk enqueue, workers not running.
        let enqueueStart = ContinuousClock.now
        var remaining = jobs
        while remaining > 0 {
            let n = min(batch, remaining)
            _ = try await conveyor.enqueue(Array(repeating: EnqueueRequest(type: BenchJob.type, payload: [:]), count: n))
            remaining -= n
        }
        let enqueueSeconds = enqueueStart.duration(to: .now).seconds
        print(String(format: "enqueue:   %8.0f jobs/s  (%d jobs in %.2f s)", Double(jobs) / enqueueSeconds, jobs, enqueueSeconds))

        // 2. Drain with in-process workers.
        let engine = ConveyorEngine(
            conveyor: conveyor, queues: [QueueWorkerConfiguration(queue: "default", concurrency: concurrency)])
        let group = ServiceGroup(services: [engine], logger: logger)
        let runner = Task { try await group.run() }
        let drainStart = ContinuousClock.now
        // Counting in the store is itself a scan; wait on the handlers, then confirm.
        await probe.waitForCount(jobs)
        while try await succeeded(store) < jobs {
            try await Task.sleep(for: .milliseconds(2))
        }
        let drainSeconds = drainStart.duration(to: .now).seconds
        print(String(format: "processed: %8.0f jobs/s  (%d jobs in %.2f s)", Double(jobs) / drainSeconds, jobs, drainSeconds))

        // 3. Pickup latency on an idle worker: enqueue one job, wait for its handler to start.
        try await Task.sleep(for: .milliseconds(200))
        await probe.arm()
        var samples: [Double] = []
        for _ in 0..<latencySamples {
            let start = ContinuousClock.now
            let job = try await conveyor.enqueue([EnqueueRequest(type: BenchJob.type, payload: [:])])[0].job
            await probe.waitForStart(of: job.id)
            samples.append(start.duration(to: .now).seconds * 1000)
            try await Task.sleep(for: .milliseconds(3))
        }
        samples.sort()
        print(
            String(
                format: "pickup:    p50 %.2f ms, p99 %.2f ms  (%d samples, enqueue-to-start)", percentile(samples, 0.5),
                percentile(samples, 0.99), samples.count))
        await group.triggerGracefulShutdown()
        try await runner.value
    }

    private func succeeded(_ store: any JobStore) async throws -> Int {
        try await store.queueStats(now: Date()).first { $0.queue == "default" }?.counts["succeeded"] ?? 0
    }

    private func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
    }
}

/// The benchmark's job: does nothing but tell the probe it started.
private struct BenchJob: JobHandler {
    struct Payload: Codable, Sendable {}
    static let type = "bench.noop"
    let probe: StartProbe

    func run(_ payload: Payload, context: JobContext) async throws -> JSONValue? {
        await probe.started(context.id)
        return nil
    }
}

/// Lets the latency phase wait for one job's handler to start.
private actor StartProbe {
    private var waiting: [String: CheckedContinuation<Void, Never>] = [:]
    /// Jobs that started before anyone waited for them; kept only once armed, so the
    /// throughput phase does not fill it.
    private var early: Set<String> = []
    private var armed = false
    private var count = 0
    private var countWaiter: (target: Int, continuation: CheckedContinuation<Void, Never>)?

    func arm() { armed = true }

    func waitForCount(_ target: Int) async {
        if count >= target { return }
        await withCheckedContinuation { countWaiter = (target, $0) }
    }

    func started(_ id: String) {
        count += 1
        if let waiter = countWaiter, count >= waiter.target {
            countWaiter = nil
            waiter.continuation.resume()
        }
        if let continuation = waiting.removeValue(forKey: id) {
            continuation.resume()
        } else if armed {
            early.insert(id)
        }
    }

    func waitForStart(of id: String) async {
        if early.remove(id) != nil { return }
        await withCheckedContinuation { waiting[id] = $0 }
    }
}

/// The machine a figure came from, printed with every benchmark.
enum MachineDescription {
    static var current: String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)"
    }
}
