/// Concurrency keys belong to their tenant. Every per-key structure (caps, rate buckets,
/// pauses, circuit breakers, the fair claim's cursor) is keyed by the key as stores keep
/// it, which scopes it to the tenant, so one tenant naming another's key (`"acme"`) gets
/// a key of its own and can neither use nor pause nor trip the other's.
///
/// The stored form is the tenant's name for its default key (the key of jobs that name
/// none, and of jobs that name their own tenant), and `tenant` U+001F `key` otherwise.
/// Tenant names cannot hold U+001F, nor can keys (``isValid(_:)``), so the form is
/// unambiguous, and jobs stored before keys were scoped keep their meaning where the key
/// was the tenant. Reads show the key as it was given; the stores' event JSON strips the
/// prefix the same way (``separator``).
public enum ConcurrencyKey {
    /// Between the tenant and the key in the stored form (the ASCII unit separator).
    public static let separator: Character = "\u{1F}"

    /// The stored form of `key` (nil: the tenant's default) for `tenant`.
    public static func stored(tenant: String, key: String?) -> String {
        guard let key, key != tenant else { return tenant }
        return tenant + String(separator) + key
    }

    /// The tenant and key a stored key stands for.
    public static func parse(_ stored: String) -> (tenant: String, key: String) {
        guard let index = stored.firstIndex(of: separator) else { return (stored, stored) }
        return (String(stored[..<index]), String(stored[stored.index(after: index)...]))
    }

    /// The key as its tenant gave it.
    public static func shown(_ stored: String) -> String { parse(stored).key }

    /// Whether `key` may be given: 1–255 bytes without control characters.
    public static func isValid(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.count <= 255 && !key.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}
