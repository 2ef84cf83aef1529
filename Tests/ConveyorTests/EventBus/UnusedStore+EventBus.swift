import ConveyorCore
import Foundation

/// The route-building tests' store answers the event bus's calls with nothing.
extension UnusedStore {
    func appendEvent(_ event: NewEvent) async throws -> PublishResult { throw ConveyorError(.unavailable, "unused") }
    func topicSchema(_ topic: String) async throws -> TopicSchema? { nil }
    func saveTopicSchema(_ schema: TopicSchema) async throws -> Bool { false }
    func deleteTopicSchema(_ topic: String) async throws -> Bool { false }
    func registerGroup(_ registration: GroupRegistration, now: Date) async throws -> ConsumerGroup {
        throw ConveyorError(.unavailable, "unused")
    }
    func consumerGroup(_ name: String) async throws -> ConsumerGroup? { nil }
    func consumerGroups() async throws -> [ConsumerGroup] { [] }
    func acquireGroupLease(group: String, owner: String, until: Date, now: Date) async throws -> GroupLease? { nil }
    func releaseGroupLease(_ lease: GroupLease) async throws {}
    func commitGroupCursor(_ lease: GroupLease, cursor: Int64, gap: EventGap?, now: Date) async throws -> Bool { false }
    func addDeadLetter(_ lease: GroupLease, event: LogEvent, attempts: Int, error: String, now: Date) async throws -> Bool { false }
    func deadLetters(group: String, after: Int64?, limit: Int) async throws -> [DeadLetter] { [] }
    func requestReplay(group: String, id: Int64?, now: Date) async throws -> Int { 0 }
    func pendingReplays(group: String, limit: Int) async throws -> [DeadLetter] { [] }
    func finishReplay(_ lease: GroupLease, id: Int64, failure: ReplayFailure?, now: Date) async throws -> Bool { false }
    func createTrigger(_ trigger: Trigger) async throws -> (trigger: Trigger, created: Bool) { (trigger, false) }
    func triggers() async throws -> [Trigger] { [] }
    func deleteTrigger(id: String) async throws -> Bool { false }
}
