import Foundation

/// One tenant's view of the secret store, for handlers: named secrets to resolve at send
/// time, sealing for values a stored payload must keep but no reader may see, and the
/// tenant's request-signing secret. A handler gets it in ``JobContext/secrets`` and in
/// ``JobHandler/prepareForStorage(_:secrets:)``.
public struct TenantSecrets: Sendable {
    public let tenant: String
    let store: any SecretStore
    let clock: any ConveyorClock

    public init(tenant: String, store: any SecretStore, clock: any ConveyorClock = SystemClock()) {
        self.tenant = tenant
        self.store = store
        self.clock = clock
    }

    /// The value of the tenant's secret `name`, or nil when it has none of that name.
    public func value(named name: String) async throws -> String? {
        guard !SecretName.isReserved(name) else { return nil }
        return try await store.secretValue(tenant: tenant, name: name)
    }

    /// `value` sealed for this tenant and `purpose` (say, `header:authorization`): it opens
    /// only with the same tenant and purpose.
    public func seal(_ value: String, purpose: String) async throws -> String {
        try await sealer.seal(value, context: context(purpose))
    }

    /// The value ``seal(_:purpose:)`` sealed; throws ``SealingError`` for anything else.
    public func open(_ sealed: String, purpose: String) async throws -> String {
        try await sealer.open(sealed, context: context(purpose))
    }

    /// How long a node signs with the signing secret it read before reading it again: a
    /// rotation made on another node reaches this one within this time.
    public static let signingSecretMaxAge: Duration = .seconds(30)

    /// The tenant's signing secret, made on first use (every node gets the same one), read
    /// from the store at most every ``signingSecretMaxAge``.
    public func signingSecret() async throws -> SigningSecret {
        let stored = try await StoredSecretCache.shared.value(
            store: store, tenant: tenant, name: SecretName.signing, maxAge: Self.signingSecretMaxAge
        ) { try await storedSigningSecret().stored }
        return try ConveyorJSON.decode(SigningSecret.self, from: Data(stored.utf8))
    }

    /// Replaces the signing secret; the old one keeps signing for the overlap. Concurrent
    /// rotations each take effect once, one after the other (compare and swap).
    func rotateSigningSecret(overlap: TimeInterval = SigningSecret.rotationOverlap) async throws -> SigningSecret {
        while true {
            let (current, stored) = try await storedSigningSecret()
            let next = current.rotated(to: WebhookSecret.generate(), at: clock.now(), overlap: overlap)
            let encoded = String(decoding: try ConveyorJSON.encode(next), as: UTF8.self)
            if try await store.replaceSecret(tenant: tenant, name: SecretName.signing, expected: stored, with: encoded, now: clock.now()) {
                await StoredSecretCache.shared.update(store: store, tenant: tenant, name: SecretName.signing, value: encoded)
                return next
            }
        }
    }

    private func storedSigningSecret() async throws -> (secret: SigningSecret, stored: String) {
        let fresh = SigningSecret(secret: WebhookSecret.generate(), createdAt: clock.now())
        let stored = try await store.insertSecretIfAbsent(
            tenant: tenant, name: SecretName.signing, value: String(decoding: try ConveyorJSON.encode(fresh), as: UTF8.self),
            now: clock.now())
        return (try ConveyorJSON.decode(SigningSecret.self, from: Data(stored.utf8)), stored)
    }

    private var sealer: PayloadSealer {
        let clock = self.clock
        return PayloadSealer(store: store, now: { clock.now() })
    }

    private func context(_ purpose: String) -> String { "\(tenant)\u{0}\(purpose)" }
}
