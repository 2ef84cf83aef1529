import ArgumentParser
import ConveyorCore
import Foundation
import ServiceLifecycle

/// The file `conveyor serve --config FILE` (env CONVEYOR_CONFIG) reads at start-up: one
/// JSON object. Each feature owns one top-level key; to add one, add a property and its
/// case in ``Key``. Unknown keys are refused, naming the allowed ones, so a typo never
/// silently drops a section.
struct ConfigFile: Decodable, Sendable {
    /// Cron schedules (docs/schedules.md), kept in step with the stored ones at start-up.
    var schedules: [ScheduleRequest]?
    /// Queue limits and fairness by queue name (docs/flow-control.md); `paused` is refused.
    var queues: [String: QueueSettingsPatch]?
    /// Circuit breakers by job type, overriding the handlers' defaults.
    var circuitBreakers: [String: CircuitBreakerPolicy]?

    enum Key: String, CodingKey, CaseIterable {
        case schedules, queues
        case circuitBreakers = "circuit_breakers"
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(
        schedules: [ScheduleRequest]? = nil, queues: [String: QueueSettingsPatch]? = nil,
        circuitBreakers: [String: CircuitBreakerPolicy]? = nil
    ) {
        self.schedules = schedules
        self.queues = queues
        self.circuitBreakers = circuitBreakers
    }

    init(from decoder: Decoder) throws {
        let allowed = Key.allCases.map(\.rawValue)
        let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        if let unknown = keys.first(where: { !allowed.contains($0) }) {
            throw ConfigFileError("unknown top-level key '\(unknown)'; allowed keys are \(allowed.joined(separator: ", "))")
        }
        let c = try decoder.container(keyedBy: Key.self)
        schedules = try c.decodeIfPresent([ScheduleRequest].self, forKey: .schedules)
        queues = try c.decodeIfPresent([String: QueueSettingsPatch].self, forKey: .queues)
        circuitBreakers = try c.decodeIfPresent([String: CircuitBreakerPolicy].self, forKey: .circuitBreakers)
    }

    /// Reads and decodes the file; every failure names the file and what is wrong.
    static func load(path: String) throws -> ConfigFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("Cannot read the config file \(path): \(error.localizedDescription)")
        }
        do {
            return try ConveyorJSON.decode(ConfigFile.self, from: data)
        } catch let error as ConfigFileError {
            throw ValidationError("Config file \(path): \(error.message).")
        } catch let error as DecodingError {
            let field = DecodingErrorDescription.fieldPath(error).map { " at \($0)" } ?? ""
            throw ValidationError("Config file \(path)\(field): \(DecodingErrorDescription.describe(error)).")
        } catch {
            throw ValidationError("Config file \(path) is not valid JSON: \(error)")
        }
    }

    /// `--config`, else CONVEYOR_CONFIG, else no file (an empty configuration).
    static func load(option: String?) throws -> ConfigFile {
        guard let path = option ?? ProcessInfo.processInfo.environment["CONVEYOR_CONFIG"], !path.isEmpty else {
            return ConfigFile()
        }
        return try load(path: path)
    }
}

struct ConfigFileError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

extension Runtime {
    /// The service that applies the file's schedules once the store is migrated; none
    /// without a `schedules` key. A bad schedule stops the start with the reason.
    func configuredSchedules(_ file: ConfigFile) throws -> [any Service] {
        guard let schedules = file.schedules else { return [] }
        do {
            return [try ConfiguredSchedules(conveyor: conveyor, schedules: schedules)]
        } catch let error as ConveyorError {
            throw ValidationError("Config file schedules: \(error.message)")
        }
    }
}

extension Runtime {
    /// The file's queue settings, which the engine applies before its workers start;
    /// nil without a `queues` key. A bad setting stops the start with the reason.
    func configuredQueues(_ file: ConfigFile) throws -> ConfiguredQueues? {
        guard let queues = file.queues else { return nil }
        do {
            return try ConfiguredQueues(conveyor: conveyor, queues: queues)
        } catch {
            throw ValidationError("Config file queues: \(error.message)")
        }
    }
}

extension ConfigFile {
    /// The built-in handlers with the file's circuit breakers set. An unknown job type or
    /// a bad policy stops the start, naming the registered types or the field.
    func handlers(_ registry: JobRegistry) throws -> JobRegistry {
        var registry = registry
        guard let circuitBreakers else { return registry }
        do {
            try registry.applyCircuitBreakers(circuitBreakers)
        } catch {
            throw ValidationError("Config file circuit_breakers: \(error.message)")
        }
        return registry
    }
}
