import Foundation

/// The config file's queue settings. ``ConveyorEngine`` applies them right after it
/// migrates the store and before its workers claim anything, so caps and rate limits hold
/// from the very first claim (every node applies them: applying is idempotent).
///
/// Each listed queue's limits and fairness are replaced by the file's (a field left out
/// means no limit); its paused flag is kept, so a restart never un-pauses a queue.
/// Queues the file does not list keep what they have.
public struct ConfiguredQueues: Sendable {
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
            try await conveyor.backend.flowControl.setQueueSettings(settings, queue: name, now: now)
        }
        await conveyor.notifier.notify(Set(queues.keys.map { EngineSignal.jobsAvailable(queue: $0) }))
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
