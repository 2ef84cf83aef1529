import Foundation

/// The event log: one ordered log of everything that happened, read by SSE, webhooks,
/// consumer groups and workflow progress. Job state changes append their events inside
/// the job stores' own transactions; this protocol appends custom events and reads.
public protocol EventLogStore: Sendable {
    /// Appends a custom event (its `type` is its topic) through the log's ordering rules.
    /// With an idempotency key already used by a retained event of the same tenant,
    /// appends nothing and returns that event with `created == false`.
    func appendEvent(_ event: NewEvent) async throws -> PublishResult

    /// Reads events in id order, only those every reader can see for good: an event with
    /// a smaller id can never appear after this read returns (see docs/events.md for how
    /// PostgreSQL guarantees that). Returns at most `query.limit` events.
    func readEvents(_ query: EventQuery) async throws -> EventPage

    /// Deletes events that occurred before `before`, oldest first, and records the
    /// largest id deleted so readers behind it can be told they missed events. A store
    /// may keep the newest event regardless, if that is how it keeps ids from being reused.
    func pruneEvents(before: Date, limit: Int) async throws -> Int
}
