import Foundation

/// The event bus's part of the store: topic schemas, and durable consumer groups with
/// their leases and dead letters. Appending and reading events is ``EventLogStore``;
/// triggers are ``TriggerStore``.
///
/// Each method is one transaction. Every write a consumer makes for its group (the
/// cursor, a dead letter, the end of a replay) is fenced by ``GroupLease``: it applies
/// only while the group's lease row still names that holder with that fence, so a
/// consumer that lost its lease (paused, partitioned, presumed dead) can neither move
/// the cursor nor record what it did. The conformance suite checks both stores.
public protocol EventBusStore: Sendable {
    // MARK: Topic schemas

    func topicSchema(_ topic: String) async throws -> TopicSchema?

    /// Creates or replaces a topic's schema; true when it was created.
    func saveTopicSchema(_ schema: TopicSchema) async throws -> Bool

    /// False when the topic had no schema.
    func deleteTopicSchema(_ topic: String) async throws -> Bool

    // MARK: Consumer groups

    /// Creates the group (its cursor at ``GroupRegistration/start``) or, when it exists,
    /// updates its topic and tenant filter and keeps its cursor.
    func registerGroup(_ registration: GroupRegistration, now: Date) async throws -> ConsumerGroup

    func consumerGroup(_ name: String) async throws -> ConsumerGroup?

    /// Every group, by name.
    func consumerGroups() async throws -> [ConsumerGroup]

    /// Takes the group's lease when it is free or expired (a new fence), or extends it
    /// when `owner` holds it already (the same fence). Nil when another holder's lease runs.
    func acquireGroupLease(group: String, owner: String, until: Date, now: Date) async throws -> GroupLease?

    /// Gives the lease up so another consumer can take it at once.
    func releaseGroupLease(_ lease: GroupLease) async throws

    /// Moves the cursor forward to `cursor` (never back) and records `gap` when the
    /// consumer found events pruned before it read them. False when the lease is lost.
    func commitGroupCursor(_ lease: GroupLease, cursor: Int64, gap: EventGap?, now: Date) async throws -> Bool

    // MARK: Dead letters

    /// Records an event the group gave up on. False when the lease is lost.
    func addDeadLetter(_ lease: GroupLease, event: LogEvent, attempts: Int, error: String, now: Date) async throws -> Bool

    /// The group's dead letters in id order, after `after`.
    func deadLetters(group: String, after: Int64?, limit: Int) async throws -> [DeadLetter]

    /// Marks the group's dead letter `id` (or, with nil, every one) for replay by the
    /// group's active consumer. Returns how many were marked.
    func requestReplay(group: String, id: Int64?, now: Date) async throws -> Int

    /// Dead letters marked for replay, oldest first.
    func pendingReplays(group: String, limit: Int) async throws -> [DeadLetter]

    /// Ends a replay: with no failure the dead letter is deleted (delivered); with one it
    /// is dead again, its attempts and error updated. False when the lease is lost.
    func finishReplay(_ lease: GroupLease, id: Int64, failure: ReplayFailure?, now: Date) async throws -> Bool
}
