import Foundation

/// A tenant's secret for signing its `http` jobs' requests the Standard Webhooks way, so
/// a receiver can check that a request came from this Conveyor. Made on first use;
/// rotating keeps the previous secret signing for an overlap, as webhook endpoints do.
public struct SigningSecret: Codable, Sendable, Hashable {
    /// `whsec_…`, signing every request.
    public var secret: String
    /// The secret before the last rotation, still signing until ``previousSecretExpiresAt``.
    public var previousSecret: String?
    public var previousSecretExpiresAt: Date?
    /// When ``secret`` was made.
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case secret
        case previousSecret = "previous_secret"
        case previousSecretExpiresAt = "previous_secret_expires_at"
        case createdAt = "created_at"
    }

    /// How long a rotated-out secret keeps signing: as for webhook endpoints.
    public static let rotationOverlap: TimeInterval = 86_400

    public init(secret: String, previousSecret: String? = nil, previousSecretExpiresAt: Date? = nil, createdAt: Date) {
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.createdAt = createdAt
    }

    /// The secrets that sign a request sent at `now`: the current one, and the previous one
    /// during its overlap. Each yields one signature in the `webhook-signature` header.
    public func signingSecrets(at now: Date) -> [String] {
        if let previousSecret, let until = previousSecretExpiresAt, now < until { return [secret, previousSecret] }
        return [secret]
    }

    /// The state after a rotation at `now`: `new` signs, the current secret keeps signing
    /// for the overlap. A previous secret still in its own overlap is dropped: receivers
    /// had a rotation's warning to move off it.
    public func rotated(to new: String, at now: Date, overlap: TimeInterval = rotationOverlap) -> SigningSecret {
        SigningSecret(secret: new, previousSecret: secret, previousSecretExpiresAt: now.addingTimeInterval(overlap), createdAt: now)
    }
}
