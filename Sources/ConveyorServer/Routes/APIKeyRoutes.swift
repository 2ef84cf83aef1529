import ConveyorCore
import Hummingbird

/// `/v1/api-keys`: create (the secret is shown once), list, expire and revoke. Admin only.
struct APIKeyRoutes {
    static let listParameters = ["tenant", "prefix"]

    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.get, "/v1/api-keys", use: list)
        routes.on(.post, "/v1/api-keys", use: create)
        routes.on(.patch, "/v1/api-keys/{id}", use: update)
        routes.on(.delete, "/v1/api-keys/{id}", use: revoke)
    }

    /// Newest first; `tenant` and `prefix` (`cvk_AbCd…`) filter.
    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let reader = QueryReader(request.uri.queryParameters, allowed: Self.listParameters)
        try reader.check()
        let keys = try await CredentialRoutes.store(of: conveyor).listAPIKeys(
            tenant: reader.value("tenant"), prefix: reader.value("prefix"))
        return try .json(APIKeyList(apiKeys: keys))
    }

    @Sendable func create(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await JSONRequestBody.read(request, context: context).decode(CreateAPIKeyRequest.self)
        let now = conveyor.clock.now()
        try body.validate(now: now)
        let store = try CredentialRoutes.store(of: conveyor)
        guard try await store.tenant(id: body.tenant) != nil else {
            throw ConveyorError.invalid([
                ValidationFailure("tenant", "no tenant '\(body.tenant)' exists; create it first with POST /v1/tenants")
            ])
        }
        let secret = APIKeySecret()
        let key = secret.hashedKey(
            name: body.name, tenant: body.tenant, scopes: body.scopes, createdAt: now, expiresAt: body.expiresAt)
        try await store.insertAPIKey(key)
        context.logger.notice(
            "api key created",
            metadata: [
                "key": "\(key.key.id)", "prefix": "\(key.key.prefix)", "tenant": "\(key.key.tenant)",
                "scopes": "\(key.key.scopes.map(\.rawValue).joined(separator: " "))", "by": "\(caller.createdBy)",
            ])
        // The one response that carries a secret: no cache may keep it.
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        return try .json(CreatedAPIKey(apiKey: key.key, secret: secret.text), status: .created, headers: headers)
    }

    /// Sets or clears `expires_at`; a time in the past expires the key at once.
    @Sendable func update(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.parameters.require("id")
        let body = try await JSONRequestBody.read(request, context: context).decode(UpdateAPIKeyRequest.self)
        guard let key = try await CredentialRoutes.store(of: conveyor).setAPIKeyExpiry(id: id, expiresAt: body.expiresAt) else {
            throw Self.notFound(id)
        }
        context.logger.notice(
            "api key expiry changed",
            metadata: ["key": "\(id)", "expires_at": "\(body.expiresAt.map(ConveyorJSON.formatDate) ?? "never")", "by": "\(caller.createdBy)"])
        return try .json(key)
    }

    /// Revokes the key for good. Revoking again changes nothing and answers the same.
    @Sendable func revoke(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.parameters.require("id")
        guard let key = try await CredentialRoutes.store(of: conveyor).revokeAPIKey(id: id, at: conveyor.clock.now()) else {
            throw Self.notFound(id)
        }
        context.logger.notice("api key revoked", metadata: ["key": "\(id)", "by": "\(caller.createdBy)"])
        return try .json(key)
    }

    static func notFound(_ id: String) -> ConveyorError {
        ConveyorError(.notFound, "No API key has id '\(id)'. List keys with GET /v1/api-keys.")
    }
}
