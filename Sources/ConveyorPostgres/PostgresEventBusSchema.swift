/// The event bus's locks. Its tables (topic schemas, publish idempotency keys, consumer
/// groups with their leases, dead letters and triggers) are migration 4's
/// (``PostgresSchema/V04EventBus``).
enum PostgresEventBusSchema {
    /// The first half of the two-key advisory lock that serialises publishes of one
    /// idempotency key. The two-key form lives apart from the event log's ordering locks
    /// (one bigint key each), so it can never be mistaken for one of them.
    static let publishKeyLock: Int32 = 74_155_301
}
