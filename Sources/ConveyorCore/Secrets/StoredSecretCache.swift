import Foundation

/// Conveyor's own secrets (the sealing key, tenants' signing secrets), kept in memory for a
/// while after they are read, so that sending an `http` job does not cost a database
/// write (their create-if-absent) per request, nor wait on the database at all while it
/// is away. One per process, keyed by the store it was read from.
actor StoredSecretCache {
    static let shared = StoredSecretCache()

    private struct Key: Hashable {
        var store: ObjectIdentifier?
        var tenant: String
        var name: String
    }

    private struct Entry {
        var value: String
        var readAt: ContinuousClock.Instant
        /// Held so no other store can take its identity while the entry exists.
        var store: any SecretStore
    }

    private var entries: [Key: Entry] = [:]
    /// Entries kept at most; the oldest go first. A process has one store, tests many.
    private let capacity = 32

    /// The cached value when younger than `maxAge`; otherwise `load`'s, cached.
    func value(
        store: any SecretStore, tenant: String, name: String, maxAge: Duration,
        load: @Sendable () async throws -> String
    ) async throws -> String {
        let key = Self.key(store, tenant, name)
        if let entry = entries[key], entry.readAt.duration(to: .now) < maxAge { return entry.value }
        let value = try await load()
        remember(key, Entry(value: value, readAt: .now, store: store))
        return value
    }

    /// Records a value this process just wrote (a rotation), so it is used at once here.
    func update(store: any SecretStore, tenant: String, name: String, value: String) {
        remember(Self.key(store, tenant, name), Entry(value: value, readAt: .now, store: store))
    }

    private func remember(_ key: Key, _ entry: Entry) {
        entries[key] = entry
        while entries.count > capacity, let oldest = entries.min(by: { $0.value.readAt < $1.value.readAt })?.key {
            entries[oldest] = nil
        }
    }

    private static func key(_ store: any SecretStore, _ tenant: String, _ name: String) -> Key {
        Key(store: (store as AnyObject?).map(ObjectIdentifier.init), tenant: tenant, name: name)
    }
}
