/// A store's schema and health: what startup, `conveyor migrate` and `/readyz` ask.
public protocol StoreLifecycle: Sendable {
    /// Applies pending schema migrations. Safe to call from several processes at once.
    func migrate() async throws

    /// True when the store answers and its schema is current.
    func isReady() async -> Bool
}
