import ArgumentParser
import ConveyorCore
import Foundation

/// `--trigger TOPIC=JOB_TYPE`, shared by `serve` and `worker`: triggers from configuration.
struct TriggerOptions: ParsableArguments {
    @Option(
        name: .customLong("trigger"),
        help: "Enqueue a job of JOB_TYPE, with the event as payload, for every event on TOPIC (a prefix wildcard such as entry.* works), as TOPIC=JOB_TYPE; repeat for more (env CONVEYOR_TRIGGERS=\"entry.saved=index_entry,user.*=sync_user\"). Config triggers no longer listed are deleted at start.")
    var triggers: [String] = []

    func configured() throws -> [ConfiguredTrigger] {
        let specs = triggers.isEmpty
            ? (ProcessInfo.processInfo.environment["CONVEYOR_TRIGGERS"]?.split(separator: ",").map(String.init) ?? []) : triggers
        do {
            return try specs.map { try ConfiguredTrigger(parsing: $0) }
        } catch let error as ConveyorError {
            throw ValidationError(error.message)
        }
    }
}
