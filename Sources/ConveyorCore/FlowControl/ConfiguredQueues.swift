import Foundation
import ServiceLifecycle

/// Applies the config file's queue settings once the store is migrated (every node may
/// run it: applying is idempotent), retrying while the store is unreachable or not yet
/// migrated, then idles until shutdown.
///
/// Each listed queue's limits and fairness are replaced by the file's (a field left out
/// means no limit); its paused flag is kept, so a restart never un-pauses a queue.
/// Queues the file does not list keep what they have.
public struct ConfiguredQueues: Service {
    public let conveyor: Conveyor
    public let queues: [String: QueueSettings]

    /// Checks the settings now (a bad file stops the start with the reason); nothing is written.
    public init(conveyor: Conveyor, queues: [String: QueueSettingsPatch]) throws(ConveyorError) {
        var failures: [ValidationFailure] = []
        var settings: [String: QueueSettings] = [:]
        for (name, patch) in queues.sorted(by: { $0.key < $1.key }) {
            let field = "queues.\(name)"
            if !EnqueueRequest.isValidName(name) {
                failures.append(ValidationFailure(field, "a queue name is 1–100 characters of letters, digits, '_', '-', '.' or ':'"))
            }
            if patch.paused != nil {
                failures.append(
                    ValidationFailure(
                        "\(field).paused",
                        "cannot be set in the config file; pause with POST /v1/queues/\(name)/pause (a pause survives restarts)"))
            }
            let resolved = patch.applied(to: QueueSettings())
            failures += resolved.validate().map { $0.nested(under: field) }
            settings[name] = resolved
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        self.conveyor = conveyor
        self.queues = settings
    }

    /// Writes every listed queue's settings, keeping each paused flag.
    public func apply() async throws {
        let now = conveyor.clock.now()
        for (name, settings) in queues.sorted(by: { $0.key < $1.key }) {
            try await conveyor.store.setQueueSettings(settings, queue: name, now: now)
        }
        await conveyor.notifier.notify(Set(queues.keys.map { EngineSignal.jobsAvailable(queue: $0) }))
    }

    public func run() async throws {
        var delay = 0.2
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if await conveyor.store.isReady() {
                    try await apply()
                    conveyor.logger.info("config queue settings applied", metadata: ["queues": "\(queues.keys.sorted().joined(separator: ","))"])
                    break
                }
            } catch {
                conveyor.logger.error("applying the config file's queue settings failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: .seconds(delay))
            delay = min(delay * 2, 5)
        }
        try? await gracefulShutdown()
    }
}

extension JobRegistry {
    /// Sets the config file's circuit breakers on registered types. Every problem at once:
    /// an invalid policy names its field, an unknown type names the registered ones.
    public mutating func applyCircuitBreakers(_ policies: [String: CircuitBreakerPolicy]) throws(ConveyorError) {
        var failures: [ValidationFailure] = []
        for (type, policy) in policies.sorted(by: { $0.key < $1.key }) {
            let field = "circuit_breakers.\(type)"
            guard handler(for: type) != nil else {
                failures.append(ValidationFailure(field, "unknown job type '\(type)'; registered types: \(types.joined(separator: ", "))"))
                continue
            }
            failures += policy.validate(field: field)
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        for (type, policy) in policies {
            setCircuitBreaker(policy, for: type)
        }
    }
}
