import AsyncHTTPClient
import ConveyorCore

/// Named secrets and the request-signing secret of the client's tenant (scope `secrets:manage`).
extension ConveyorClient {
    /// Creates or replaces a secret. The answer names it; no answer ever carries a value.
    @discardableResult
    public func putSecret(name: String, value: String) async throws -> SecretInfo {
        try await send(.PUT, Self.secretPath(name), body: PutSecretRequest(value: value)).decode(SecretInfo.self)
    }

    /// The tenant's secrets: names and times.
    public func secrets() async throws -> [SecretInfo] {
        try await send(.GET, "/v1/secrets").decode(SecretList.self).secrets
    }

    public func deleteSecret(name: String) async throws {
        _ = try await send(.DELETE, Self.secretPath(name))
    }

    /// The secret `http` job requests are signed with (made on first use), to give to receivers.
    public func signingSecret() async throws -> SigningSecret {
        try await send(.GET, "/v1/signing-secret").decode(SigningSecret.self)
    }

    /// A new signing secret; the old one keeps signing for 24 hours.
    public func rotateSigningSecret() async throws -> SigningSecret {
        try await send(.POST, "/v1/signing-secret/rotate").decode(SigningSecret.self)
    }

    private static func secretPath(_ name: String) -> String {
        "/v1/secrets/\(PercentEncoding.encode(name))"
    }
}
