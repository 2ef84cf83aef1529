import Crypto
import Foundation

/// Seals short values (header values a payload must keep but no reader may see) with
/// AES-GCM under one per-deployment key. The key is made on first use and kept in the
/// ``SecretStore``, where every node finds the same one.
///
/// A sealed value is bound to its `context` (the tenant and what the value is), so it
/// opens only where it was sealed: copying it into another tenant's payload, or under
/// another header, makes it fail to open.
struct PayloadSealer: Sendable {
    let store: any SecretStore
    let now: @Sendable () -> Date

    /// What sealed values start with, so a stored one is recognisable and versioned.
    static let prefix = "v1."

    func seal(_ plaintext: String, context: String) async throws -> String {
        let key = try await self.key()
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw SealingError.failed }
        return Self.prefix + combined.base64EncodedString()
    }

    func open(_ sealed: String, context: String) async throws -> String {
        guard sealed.hasPrefix(Self.prefix), let combined = Data(base64Encoded: String(sealed.dropFirst(Self.prefix.count))) else {
            throw SealingError.unreadable
        }
        let key = try await self.key()
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            let data = try AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw SealingError.unreadable
        }
    }

    /// The deployment's key. Nodes racing to make it all end up with the first one stored.
    /// It never changes, so it is read once per process.
    private func key() async throws -> SymmetricKey {
        let (store, now) = (store, now)
        let stored = try await StoredSecretCache.shared.value(
            store: store, tenant: SecretName.deploymentTenant, name: SecretName.sealingKey, maxAge: .seconds(365 * 86400)
        ) {
            let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
            return try await store.insertSecretIfAbsent(
                tenant: SecretName.deploymentTenant, name: SecretName.sealingKey, value: fresh, now: now())
        }
        guard let bytes = Data(base64Encoded: stored), bytes.count == 32 else { throw SealingError.badKey }
        return SymmetricKey(data: bytes)
    }
}

/// Why a value could not be sealed or opened.
public enum SealingError: Error, Sendable, CustomStringConvertible {
    case failed
    /// Not a value this deployment sealed for this tenant and purpose (or it was altered).
    case unreadable
    /// The stored key is not 32 bytes of base64: the secret store was edited by hand.
    case badKey

    public var description: String {
        switch self {
        case .failed: "sealing failed"
        case .unreadable: "the sealed value does not open: it was sealed for another tenant, header or deployment, or altered"
        case .badKey: "the deployment's sealing key in the secret store is not 32 bytes of base64"
        }
    }
}
