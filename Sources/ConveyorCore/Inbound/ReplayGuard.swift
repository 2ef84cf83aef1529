import Foundation

/// De-duplicates events by a key within a window: when the tenant's event last appended
/// under ``key`` occurred at or after ``since``, appending returns that event (`created`
/// false) and appends nothing. Otherwise the event is appended and the key moves to it.
/// Kept beside idempotency keys in the store, so it holds across nodes and restarts, and
/// checked in the same transaction as the append.
public struct ReplayGuard: Sendable, Hashable {
    public var key: String
    public var since: Date

    public init(key: String, since: Date) {
        self.key = key
        self.since = since
    }
}