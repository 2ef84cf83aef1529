import Foundation

/// An API key as stored and listed: everything but its secret, which is shown once at
/// creation and kept only as a SHA-256 hash.
public struct APIKey: Codable, Sendable, Hashable {
    public var id: String
    /// A label for people, e.g. "billing-service production".
    public var name: String
    public var tenant: String
    public var scopes: [Scope]
    /// The first characters of the key (`cvk_` and 8 more), enough to recognise it in a
    /// list or a leaked-secret report without being able to use it.
    public var prefix: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?
    /// When the key last authenticated a request, to the minute (it is written at most
    /// once a minute per key so busy keys do not turn every read into a write).
    public var lastUsedAt: Date?

    public init(
        id: String, name: String, tenant: String, scopes: [Scope], prefix: String, createdAt: Date,
        expiresAt: Date? = nil, revokedAt: Date? = nil, lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.tenant = tenant
        self.scopes = scopes
        self.prefix = prefix
        self.createdAt = createdAt.truncatedToMilliseconds
        self.expiresAt = expiresAt?.truncatedToMilliseconds
        self.revokedAt = revokedAt?.truncatedToMilliseconds
        self.lastUsedAt = lastUsedAt?.truncatedToMilliseconds
    }

    /// Whether the key can authenticate a request at `now`.
    public enum Status: String, Sendable {
        case active, expired, revoked
    }

    public func status(at now: Date) -> Status {
        if revokedAt != nil { return .revoked }
        if let expiresAt, expiresAt <= now { return .expired }
        return .active
    }

    enum CodingKeys: String, CodingKey {
        case id, name, tenant, scopes, prefix
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case lastUsedAt = "last_used_at"
    }

    public func encode(to encoder: Encoder) throws {
        // Explicit so optional fields appear as null: clients can rely on every key.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(scopes, forKey: .scopes)
        try c.encode(prefix, forKey: .prefix)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(revokedAt, forKey: .revokedAt)
        try c.encode(lastUsedAt, forKey: .lastUsedAt)
    }
}

/// A key with the hash of its secret: what a store inserts, and what it returns when a
/// request presents a key. `hash` is the lowercase hex SHA-256 of the whole key text.
public struct HashedAPIKey: Sendable, Hashable {
    public var key: APIKey
    public var hash: String

    public init(key: APIKey, hash: String) {
        self.key = key
        self.hash = hash
    }
}
