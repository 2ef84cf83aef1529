import Foundation

/// Named secrets per tenant: values a tenant stores once and jobs use by name, so the
/// value never travels in a payload. Conveyor also keeps its own keys here (the sealing
/// key of stored payloads, each tenant's request-signing secret), under names a tenant
/// cannot spell (``SecretName``).
///
/// Values are returned only to Conveyor itself (``TenantSecrets``); no API answer
/// carries one.
public protocol SecretStore: Sendable {
    /// Creates or replaces the secret. Returns true when it was created.
    func putSecret(tenant: String, name: String, value: String, now: Date) async throws -> Bool

    /// Stores `value` unless the secret exists, and returns the value stored: the first
    /// writer's when several nodes race to create the same secret.
    func insertSecretIfAbsent(tenant: String, name: String, value: String, now: Date) async throws -> String

    /// Replaces the value only while it is still `expected` (compare and swap). False when
    /// another writer changed or deleted it first.
    func replaceSecret(tenant: String, name: String, expected: String, with value: String, now: Date) async throws -> Bool

    /// The value, or nil when the tenant has no secret of that name.
    func secretValue(tenant: String, name: String) async throws -> String?

    /// The tenant's secrets in name order, without values.
    func listSecrets(tenant: String) async throws -> [SecretInfo]

    /// Returns false when there was no such secret.
    func deleteSecret(tenant: String, name: String) async throws -> Bool
}

/// A secret as listed: never its value.
public struct SecretInfo: Codable, Sendable, Hashable {
    public var name: String
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case name
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(name: String, createdAt: Date, updatedAt: Date) {
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
