import ArgumentParser
import ConveyorCore
import Foundation
import Logging

/// Options shared by `serve`, `worker` and `migrate`. Each flag has an environment
/// variable; the flag wins.
struct EngineOptions: ParsableArguments {
    @Option(help: "A SQLite file path, sqlite:PATH, or postgres://… (env CONVEYOR_DATABASE_URL; default ./conveyor.sqlite).")
    var database: String?

    @Option(
        name: .customLong("queue"),
        help: "A queue and its concurrency, as NAME=N; repeat for more (env CONVEYOR_QUEUES=\"default=10,emails=5\"; default default=10).")
    var queues: [String] = []

    @Option(help: "Seconds running jobs get to finish at shutdown before they are put back (env CONVEYOR_GRACE_SECONDS; default 25).")
    var graceSeconds: Double?

    @Option(help: "Seconds a claim holds a job without a heartbeat (env CONVEYOR_LEASE_SECONDS; default 30).")
    var leaseSeconds: Double?

    @Option(help: "Store calls each queue's workers keep in flight (env CONVEYOR_CLAIMS_IN_FLIGHT; default: the store's, 2 on SQLite, 1 on PostgreSQL).")
    var claimsInFlight: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical (env CONVEYOR_LOG_LEVEL; default info).")
    var logLevel: String?

    @Option(help: "Hours events stay in the log; readers further behind get 410 Gone (env CONVEYOR_EVENT_RETENTION_HOURS; default 168).")
    var eventRetentionHours: Double?

    @Option(help: "Hours succeeded and cancelled jobs are kept (env CONVEYOR_FINISHED_RETENTION_HOURS; default 168).")
    var finishedRetentionHours: Double?

    @Option(help: "Hours failed (dead-letter) jobs are kept (env CONVEYOR_FAILED_RETENTION_HOURS; default 720).")
    var failedRetentionHours: Double?

    @Option(help: "Most distinct queues; a job naming a new queue past it is refused with 422, and metrics aggregate further queues under \"_other\" (env CONVEYOR_MAX_QUEUES; default 500).")
    var maxQueues: Int?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    func maxQueuesValue() throws -> Int {
        try wholeNumber(maxQueues, "CONVEYOR_MAX_QUEUES", "max-queues", in: 1...Int.max) ?? QueueNameBound.defaultLimit
    }

    func databaseLocation() throws -> DatabaseLocation {
        try DatabaseLocation(database ?? environment["CONVEYOR_DATABASE_URL"] ?? DatabaseLocation.defaultPath)
    }

    func queueConfigurations() throws -> [QueueWorkerConfiguration] {
        let specs = queues.isEmpty ? (environment["CONVEYOR_QUEUES"]?.split(separator: ",").map(String.init) ?? []) : queues
        let lease = try positive(leaseSeconds ?? environment["CONVEYOR_LEASE_SECONDS"].flatMap(Double.init) ?? 30, "lease-seconds")
        let grace = try nonNegative(graceSeconds ?? environment["CONVEYOR_GRACE_SECONDS"].flatMap(Double.init) ?? 25, "grace-seconds")
        let inFlight = try wholeNumber(claimsInFlight, "CONVEYOR_CLAIMS_IN_FLIGHT", "claims-in-flight", in: 1...16)
        let parsed = try (specs.isEmpty ? ["default=10"] : specs).map { spec -> (String, Int) in
            let parts = spec.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let n = Int(parts[1]), n > 0, EnqueueRequest.isValidName(parts[0]) else {
                throw ValidationError("Bad queue '\(spec)'. Write NAME=CONCURRENCY, e.g. --queue emails=5.")
            }
            return (parts[0], n)
        }
        return parsed.map { name, concurrency in
            QueueWorkerConfiguration(
                queue: name, concurrency: concurrency, leaseDuration: .milliseconds(Int64(lease * 1000)),
                gracePeriod: .milliseconds(Int64(grace * 1000)), claimsInFlight: inFlight)
        }
    }

    /// The flag's value, else the variable's, else nil; refused outside `range`, naming both.
    private func wholeNumber(_ flag: Int?, _ variable: String, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = flag.map(String.init) ?? environment[variable] else { return nil }
        guard let n = Int(text), range.contains(n) else {
            let bounds = range.upperBound == Int.max ? "≥ \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw ValidationError("--\(name) and \(variable) must be a whole number \(bounds), got '\(text)'.")
        }
        return n
    }

    /// Retention periods; a job is kept at least as long as events about it (docs/events.md).
    func maintenanceConfiguration() throws -> MaintenanceConfiguration {
        func hours(_ flag: Double?, _ variable: String, _ name: String, default value: Double) throws -> Duration {
            let hours = try positive(flag ?? environment[variable].flatMap(Double.init) ?? value, name)
            return .seconds(hours * 3600)
        }
        var configuration = MaintenanceConfiguration()
        configuration.eventRetention = try hours(
            eventRetentionHours, "CONVEYOR_EVENT_RETENTION_HOURS", "event-retention-hours", default: 168)
        configuration.finishedRetention = try hours(
            finishedRetentionHours, "CONVEYOR_FINISHED_RETENTION_HOURS", "finished-retention-hours", default: 168)
        configuration.failedRetention = try hours(
            failedRetentionHours, "CONVEYOR_FAILED_RETENTION_HOURS", "failed-retention-hours", default: 720)
        return configuration
    }

    func logLevelValue() throws -> Logger.Level {
        let text = logLevel ?? environment["CONVEYOR_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ValidationError("Unknown log level '\(text)'. Use trace, debug, info, notice, warning, error or critical.")
        }
        return level
    }

    private func positive(_ value: Double, _ name: String) throws -> Double {
        guard value > 0 else { throw ValidationError("--\(name) must be > 0.") }
        return value
    }

    private func nonNegative(_ value: Double, _ name: String) throws -> Double {
        guard value >= 0 else { throw ValidationError("--\(name) must be ≥ 0.") }
        return value
    }
}
