import ConveyorCore
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// A handler whose payload says what to do, so one type drives every engine test.
struct ScriptJob: JobHandler {
    struct Payload: Codable, Sendable {
        var action: String
        var seconds: Double?
    }

    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    static let type = "script"
    let starts: StartLog

    func run(_ payload: Payload, context: JobContext) async throws -> JSONValue? {
        await starts.record(context.id)
        switch payload.action {
        case "ok": return ["attempt": .number(Double(context.attempt))]
        case "throw": throw Boom()
        case "fail": throw JobControl.fail("bad input")
        case "snooze": throw JobControl.snooze(.seconds(payload.seconds ?? 30))
        case "retry_after": throw JobControl.retry(after: .seconds(payload.seconds ?? 7), reason: "upstream said 429")
        case "rate_limited": throw JobControl.rateLimited(retryAfter: .seconds(payload.seconds ?? 30), pauseKey: true)
        case "sleep":
            try await Task.sleep(for: .seconds(payload.seconds ?? 60))
            return "slept"
        case "ignore_cancel":
            // Finishes its work even when cancelled, as a careless handler would.
            let end = ContinuousClock.now + .seconds(payload.seconds ?? 1)
            while ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
            return "done anyway"
        default: throw JobControl.fail("unknown action \(payload.action)")
        }
    }
}

/// Records which jobs started, and lets a test wait for one to start.
actor StartLog {
    private(set) var started: [String] = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    func record(_ id: String) {
        started.append(id)
        for waiter in waiters.removeValue(forKey: id) ?? [] { waiter.resume() }
    }

    func count(_ id: String) -> Int { started.filter { $0 == id }.count }

    func waitForStart(_ id: String) async {
        if started.contains(id) { return }
        await withCheckedContinuation { waiters[id, default: []].append($0) }
    }
}

/// A running engine on a fresh SQLite store, with a manual clock for timestamps.
struct EngineHarness {
    let store: any StoreDriver
    let conveyor: Conveyor
    let clock: ManualClock
    let starts: StartLog
    let group: ServiceGroup
    let runner: Task<Void, any Error>

    static func start(
        kind: StoreKind = .sqlite, store given: (any StoreDriver)? = nil, concurrency: Int = 4, lease: Duration = .seconds(30), grace: Duration = .seconds(5),
        circuitBreaker: CircuitBreakerPolicy? = nil, pollInterval: Duration = .milliseconds(50),
        queueSettings: [String: QueueSettingsPatch]? = nil, claimsInFlight: Int? = nil,
        before: (any StoreDriver, ManualClock) async throws -> Void = { _, _ in }
    ) async throws -> EngineHarness {
        let store = if let given { given } else { try await kind.make() }
        let clock = ManualClock()
        try await before(store, clock)
        let starts = StartLog()
        var registry = JobRegistry()
        registry.register(ScriptJob(starts: starts))
        registry.setCircuitBreaker(circuitBreaker, for: ScriptJob.type)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let conveyor = Conveyor(store: store, registry: registry, clock: clock, logger: logger)
        let engine = ConveyorEngine(
            conveyor: conveyor,
            queues: [
                QueueWorkerConfiguration(
                    queue: "default", concurrency: concurrency, leaseDuration: lease, pollInterval: pollInterval,
                    gracePeriod: grace, claimsInFlight: claimsInFlight)
            ],
            maintenance: MaintenanceConfiguration(stageInterval: .milliseconds(20), reapInterval: .milliseconds(20)),
            queueSettings: try queueSettings.map { try ConfiguredQueues(conveyor: conveyor, queues: $0) })
        let group = ServiceGroup(services: [engine], logger: logger)
        let runner = Task { try await group.run() }
        return EngineHarness(store: store, conveyor: conveyor, clock: clock, starts: starts, group: group, runner: runner)
    }

    func enqueue(_ action: String, seconds: Double? = nil, configure: (inout EnqueueRequest) -> Void = { _ in }) async throws -> Job {
        var payload: [String: JSONValue] = ["action": .string(action)]
        if let seconds { payload["seconds"] = .number(seconds) }
        var request = EnqueueRequest(type: ScriptJob.type, payload: .object(payload))
        configure(&request)
        return try await conveyor.enqueue([request])[0].job
    }

    func job(_ id: String) async throws -> Job {
        try #require(try await store.job(id: id))
    }

    /// Waits until the job reaches `state` and returns it.
    @discardableResult
    func wait(for id: String, _ state: JobState, timeout: Duration = .seconds(30)) async throws -> Job {
        try await waitUntil(timeout: timeout, "job \(id) to be \(state)") { try await job(id).state == state }
        return try await job(id)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await runner.value
    }
}
