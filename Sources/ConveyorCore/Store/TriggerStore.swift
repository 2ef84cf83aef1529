/// Triggers: standing rules that turn matching events into jobs, each read by its own
/// consumer group. See docs/event-bus.md.
public protocol TriggerStore: Sendable {
    /// Creates the trigger and its consumer group (`trigger:<id>`, starting at the head of
    /// the log) in one transaction. A trigger with the same id is returned as it is,
    /// with `created == false`.
    func createTrigger(_ trigger: Trigger) async throws -> (trigger: Trigger, created: Bool)

    func triggers() async throws -> [Trigger]

    /// Deletes the trigger with its group and the group's dead letters. False when absent.
    func deleteTrigger(id: String) async throws -> Bool
}
