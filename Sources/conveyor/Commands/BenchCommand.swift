import ArgumentParser
import ConveyorCore
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
    @Option(help: "Producers enqueueing batches at once, like that many API clients.") var producers = 1
    @Option(help: "Claims the worker keeps in flight (default: the store's choice).") var claimsInFlight: Int?
    @Option(help: "Single jobs timed for pickup latency, on an idle worker.") var latencySamples = 300
    @Option(help: "A SQLite file or postgres:// URL (default: a fresh temporary SQLite file).") var database: String?
    @Option(help: "SSE clients connected while the latency phase runs (0: skip the SSE measurement).") var sseClients = 0
    @Flag(help: "Also measure webhooks: state change to receipt on loopback, and deliveries/s to one endpoint.") var webhook = false
    @Option(help: "Events in the webhook throughput burst.") var webhookBurst = 5_000
    @Option(help: "Distinct concurrency keys the jobs are spread over (0: every job under the tenant, no flow control).")
    var keys = 0
    @Option(help: "With --keys: the most running jobs per key (the queue's key_concurrency_limit; claims go round robin). 0: no settings at all, the plain claim over many keys.")
    var keyLimit: Int?

    func run() async throws {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-bench-\(JobID.make()).sqlite").path
        defer { if database == nil { for suffix in ["", "-wal", "-shm", "-migrate.lock"] { try? FileManager.default.removeItem(atPath: temporary + suffix) } } }
        let location = try DatabaseLocation(database ?? temporary)
        var logger = Logger(label: "conveyor.bench")
        logger.logLevel = .warning
        // With PostgreSQL, jobs are enqueued through one connection pool and run through
        // another, so every wake-up crosses the database as it would between processes.
        let producer = try location.openBackend(logger: logger)
        let consumer = location.isPostgres ? try location.openBackend(logger: logger) : producer
        let infrastructure = ServiceGroup(
            services: producer.services + (location.isPostgres ? consumer.services : []), logger: logger)
        let infrastructureRun = Task { try await infrastructure.run() }
        try await producer.lifecycle.migrate()
        // Tenants and API keys, as `conveyor migrate` prepares them: enqueue reads the
        // tenant's payload limit, as it does under `serve`.
        try await producer.credentials?.prepareCredentials()

        // A queue of its own, so earlier runs against the same database do not count.
        let queue = "bench-\(JobID.make().suffix(8))"
        let probe = StartProbe()
        var registry = JobRegistry()
        registry.register(BenchJob(probe: probe))
        let enqueuer = Conveyor(backend: producer, registry: registry, logger: logger)
        // The workers' hot path, timed call by call: where the drain's time goes.
        let timeline = StoreCallTimeline()
        var timed = consumer
        timed.claims = timeline.wrap(consumer.claims)
        let runner = Conveyor(backend: timed, registry: registry, logger: logger)
        let job = EnqueueRequest(type: BenchJob.type, queue: queue, payload: [:])
        if keys > 0 && keyLimit != 0 {
            // Caps on every key make each claim take the fair path: the cost being measured.
            let settings = QueueSettings(fair: true, keyConcurrencyLimit: keyLimit)
            try await producer.flowControl.setQueueSettings(settings, queue: queue, now: Date())
        }

        print("machine: \(MachineDescription.current)")
        print("store: \(location), jobs: \(jobs), concurrency: \(concurrency), batch: \(batch), producers: \(producers)")
        if keys > 0 { print("keys: \(keys), key limit: \(keyLimit.map(String.init) ?? "none"), fair claims") }

        // 1. Bulk enqueue, workers not running. Producer p takes batches p, p + producers, ….
        let enqueueStart = ContinuousClock.now
        let (jobs, batch, keys, producers) = (jobs, batch, keys, max(1, producers))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    for start in stride(from: producer * batch, to: jobs, by: producers * batch) {
                        var requests = Array(repeating: job, count: min(batch, jobs - start))
                        if keys > 0 {
                            for i in requests.indices { requests[i].concurrencyKey = "key-\((start + i) % keys)" }
                        }
                        _ = try await enqueuer.enqueue(requests)
                    }
                }
            }
            try await group.waitForAll()
        }
        let enqueueSeconds = enqueueStart.duration(to: .now).seconds
        print(String(format: "enqueue:   %8.0f jobs/s  (%d jobs in %.2f s)", Double(jobs) / enqueueSeconds, jobs, enqueueSeconds))

        // 2. Drain with in-process workers.
        let engine = ConveyorEngine(
            conveyor: runner, queues: [QueueWorkerConfiguration(queue: queue, concurrency: concurrency, claimsInFlight: claimsInFlight)],
            elector: consumer.elector(holder: "bench", role: "maintenance"))
        let group = ServiceGroup(services: [engine], logger: logger)
        let engineRun = Task { try await group.run() }
        let eventsBefore = try await consumer.events.readEvents(EventQuery(limit: 0)).head
        let drainStart = ContinuousClock.now
        let cpuBefore = ProcessCPU.now()
        // Counting in the store is itself a scan; wait on the handlers, then confirm.
        await probe.waitForCount(jobs)
        while try await succeeded(consumer.jobs, queue: queue) < jobs {
            try await Task.sleep(for: .milliseconds(2))
        }
        let drainSeconds = drainStart.duration(to: .now).seconds
        let cpu = ProcessCPU.now() - cpuBefore
        print(String(format: "processed: %8.0f jobs/s  (%d jobs in %.2f s)", Double(jobs) / drainSeconds, jobs, drainSeconds))
        print(
            String(
                format: "cpu:       %8.0f%% of one core during the drain  (user %.2f s, system %.2f s, %d cores)",
                (cpu.user + cpu.system) / drainSeconds * 100, cpu.user, cpu.system, ProcessInfo.processInfo.activeProcessorCount))
        print("store calls during the drain:")
        for line in await timeline.summary(over: drainSeconds) { print(line) }
        // Every claim and every outcome appends to the event log in its own transaction.
        let eventsWritten = try await consumer.events.readEvents(EventQuery(limit: 0)).head - eventsBefore
        print(
            String(
                format: "events:    %8.0f events/s written during the drain  (%d events)", Double(eventsWritten) / drainSeconds,
                eventsWritten))

        // 3. Pickup latency on an idle worker: enqueue one job, wait for its handler to start.
        try await Task.sleep(for: .milliseconds(300))
        await probe.arm()
        var samples: [Double] = []
        for _ in 0..<latencySamples {
            let start = ContinuousClock.now
            let id = try await enqueuer.enqueue([job])[0].job.id
            await probe.waitForStart(of: id)
            samples.append(start.duration(to: .now).seconds * 1000)
            try await Task.sleep(for: .milliseconds(3))
        }
        samples.sort()
        print(
            String(
                format: "pickup:    p50 %.2f ms, p99 %.2f ms  (%d samples, enqueue-to-start%@)", percentile(samples, 0.5),
                percentile(samples, 0.99), samples.count, location.isPostgres ? ", across connection pools" : ""))

        // 4. State change to SSE client, with the clients connected over loopback HTTP.
        if sseClients > 0 {
            let probe = SSELatencyProbe(conveyor: enqueuer, clients: sseClients, logger: logger)
            let samples = try await probe.measure(queue: queue) {
                for _ in 0..<100 {
                    _ = try await enqueuer.enqueue([job])
                    try await Task.sleep(for: .milliseconds(10))
                }
            }.sorted()
            print(
                String(
                    format: "sse:       p50 %.2f ms, p99 %.2f ms  (%d deliveries to %d clients, state change to client)",
                    percentile(samples, 0.5), percentile(samples, 0.99), samples.count, sseClients))
        }
        // 5. State change to webhook receipt, and a burst to one endpoint.
        if webhook {
            let figures = try await WebhookLatencyProbe(conveyor: enqueuer, logger: logger)
                .measure(queue: queue, samples: latencySamples, burst: webhookBurst)
            let samples = figures.latencies.sorted()
            print(
                String(
                    format: "webhook:   p50 %.2f ms, p99 %.2f ms  (%d samples, enqueue to receipt on loopback)",
                    percentile(samples, 0.5), percentile(samples, 0.99), samples.count))
            print(
                String(
                    format: "webhooks:  %8.0f deliveries/s to one endpoint  (%d in %.2f s, max_concurrency 50)",
                    Double(figures.delivered) / figures.seconds, figures.delivered, figures.seconds))
        }
        await group.triggerGracefulShutdown()
        try await engineRun.value
        await infrastructure.triggerGracefulShutdown()
        try? await infrastructureRun.value
    }

    private func succeeded(_ store: any JobStore, queue: String) async throws -> Int {
        try await store.queueStats(now: Date()).first { $0.queue == queue }?.counts["succeeded"] ?? 0
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

/// The CPU time this process has used, user and system, from getrusage.
struct ProcessCPU {
    var user: Double
    var system: Double

    static func now() -> ProcessCPU {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }
        return ProcessCPU(user: seconds(usage.ru_utime), system: seconds(usage.ru_stime))
    }

    static func - (a: ProcessCPU, b: ProcessCPU) -> ProcessCPU {
        ProcessCPU(user: a.user - b.user, system: a.system - b.system)
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
