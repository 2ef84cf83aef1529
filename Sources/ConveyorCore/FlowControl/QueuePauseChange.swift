import Foundation

/// Pausing or resuming a queue, decided in Core on the flag the store read (locked) in
/// the same transaction, so each change appends exactly one event on both stores.
public enum QueuePauseChange {
    /// The event to append when `queue`'s paused flag goes from `was` to `paused`
    /// (`queue.paused` or `queue.resumed`, key the queue, default tenant); nil when the
    /// flag already is `paused`, and then nothing is written.
    public static func event(queue: String, was: Bool, paused: Bool) throws -> StoreEvent? {
        guard was != paused else { return nil }
        return try StoreEvent(
            type: paused ? LogEvent.queuePaused : LogEvent.queueResumed, key: queue, tenant: Tenant.defaultID,
            encoding: QueueEventData(queue: queue))
    }
}
