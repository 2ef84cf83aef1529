import ConveyorCore
import ConveyorServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import ServiceLifecycle
import Testing

/// The workflow tests, grouped so `swift test --filter WorkflowTests` runs them all.
@Suite enum WorkflowTests {}

/// A step job the test steers: it returns its label and its inputs, fails, or waits at a
/// gate the test opens.
struct StepJob: JobHandler {
    struct Payload: Codable, Sendable {
        var action: String
        var label: String?
        var inputs: [String: JSONValue]?
    }

    static let type = "step"
    let control: StepControl

    func run(_ payload: Payload, context: JobContext) async throws -> JSONValue? {
        let label = payload.label ?? ""
        await control.started(label)
        switch payload.action {
        case "ok": break
        case "fail": throw JobControl.fail("bad input in \(label)")
        case "gate":
            // Cancellable: Task.sleep throws when the job is cancelled.
            while await !control.isOpen(label) { try await Task.sleep(for: .milliseconds(10)) }
        case "flaky":
            if await control.isFailing(label) { throw JobControl.fail("\(label) is down") }
        default: throw JobControl.fail("unknown action \(payload.action)")
        }
        return ["by": .string(label), "inputs": .object(payload.inputs ?? [:])]
    }
}

/// Gates, failure switches and a start count per label.
actor StepControl {
    private var open: Set<String> = []
    private var failing: Set<String> = []
    private(set) var starts: [String: Int] = [:]

    func started(_ label: String) { starts[label, default: 0] += 1 }
    func isOpen(_ label: String) -> Bool { open.contains(label) }
    func openGate(_ label: String) { open.insert(label) }
    func isFailing(_ label: String) -> Bool { failing.contains(label) }
    func setFailing(_ label: String, _ on: Bool) {
        if on { failing.insert(label) } else { failing.remove(label) }
    }
    func count(_ label: String) -> Int { starts[label] ?? 0 }
}

/// A running engine (workers and maintenance, so the workflow advancer) on a fresh store.
struct WorkflowHarness {
    let store: any StoreDriver
    let conveyor: Conveyor
    let control: StepControl
    let group: ServiceGroup
    let runner: Task<Void, any Error>

    static func registry(_ control: StepControl) -> JobRegistry {
        var registry = JobRegistry()
        registry.register(StepJob(control: control))
        registry.register(EchoJob())
        return registry
    }

    static func quietLogger() -> Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// - Parameter before: runs on the migrated store before the engine starts.
    static func start(
        kind: StoreKind, before: (any StoreDriver, StepControl) async throws -> Void = { _, _ in }
    ) async throws -> WorkflowHarness {
        let store = try await kind.make()
        let control = StepControl()
        try await before(store, control)
        let logger = quietLogger()
        let conveyor = Conveyor(store: store, registry: registry(control), logger: logger)
        let engine = ConveyorEngine(
            conveyor: conveyor,
            queues: [
                QueueWorkerConfiguration(
                    queue: "default", concurrency: 8, leaseDuration: .seconds(30), pollInterval: .milliseconds(50),
                    gracePeriod: .seconds(5))
            ],
            maintenance: MaintenanceConfiguration(stageInterval: .milliseconds(20), reapInterval: .milliseconds(50)))
        let group = ServiceGroup(services: [engine], logger: logger)
        let runner = Task { try await group.run() }
        return WorkflowHarness(store: store, conveyor: conveyor, control: control, group: group, runner: runner)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await runner.value
    }

    func workflow(_ id: String) async throws -> WorkflowStatus {
        try await conveyor.workflow(id: id)
    }

    /// Waits until the workflow reaches `state` and returns it.
    @discardableResult
    func wait(for id: String, _ state: WorkflowState, timeout: Duration = .seconds(30)) async throws -> WorkflowStatus {
        try await waitUntil(timeout: timeout, "workflow \(id) to be \(state)") { try await workflow(id).state == state }
        return try await workflow(id)
    }

    /// Waits until the step reaches `state` (a job state, `pending` or `cancelled`).
    @discardableResult
    func wait(for id: String, step: String, _ state: String, timeout: Duration = .seconds(30)) async throws -> StepDetail {
        try await waitUntil(timeout: timeout, "step \(step) to be \(state)") {
            try await workflow(id).step(step)?.state == state
        }
        return try #require(try await workflow(id).step(step))
    }

    /// The workflow's events, oldest first.
    func events(_ id: String) async throws -> [ConveyorCore.LogEvent] {
        try await store.readEvents(EventQuery(after: nil, topic: try TopicFilter("workflow.*"), key: id, limit: 1000)).events
    }

    /// The HTTP API over this harness's Conveyor.
    func http<Value: Sendable>(_ test: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let app = buildApplication(
            conveyor: conveyor, configuration: ServerConfiguration(), registry: PrometheusCollectorRegistry(),
            services: [], logger: Self.quietLogger())
        return try await app.test(.router, test)
    }
}

/// A step of the steered job type.
func step(
    _ key: String, _ action: String = "ok", dependsOn: [String] = [], maxAttempts: Int = 1
) -> WorkflowStepRequest {
    WorkflowStepRequest(
        key: key, type: StepJob.type, payload: ["action": .string(action), "label": .string(key)],
        dependsOn: dependsOn.isEmpty ? nil : dependsOn, maxAttempts: maxAttempts, backoff: .fixed(seconds: 1))
}
