import ConveyorCore
import Hummingbird

/// Named secrets (`/v1/secrets`) and the request-signing secret (`/v1/signing-secret`) of
/// the caller's tenant. Scope `secrets:manage`. See docs/security.md, "Secrets and signing".
struct SecretRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.put, "/v1/secrets/{name}", use: put)
        routes.on(.get, "/v1/secrets", use: list)
        routes.on(.delete, "/v1/secrets/{name}", use: delete)
        routes.on(.get, "/v1/signing-secret", use: signingSecret)
        routes.on(.post, "/v1/signing-secret/rotate", use: rotate)
    }

    /// 201 when created, 200 when replaced; the answer names the secret, never its value.
    @Sendable func put(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let name = try context.parameters.requireDecoded("name")
        let body = try await JSONRequestBody.read(request, context: context).decode(PutSecretRequest.self)
        let (secret, created) = try await conveyor.putSecret(name: name, value: body.value, as: caller)
        context.logger.notice(
            created ? "secret created" : "secret replaced",
            metadata: ["secret": "\(name)", "tenant": "\(caller.tenant)", "by": "\(caller.createdBy)"])
        return try .json(secret, status: created ? .created : .ok)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(SecretList(secrets: try await conveyor.listSecrets(as: context.requireCaller())))
    }

    @Sendable func delete(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let name = try context.parameters.requireDecoded("name")
        try await conveyor.deleteSecret(name: name, as: caller)
        context.logger.notice("secret deleted", metadata: ["secret": "\(name)", "tenant": "\(caller.tenant)", "by": "\(caller.createdBy)"])
        return Response(status: .noContent)
    }

    @Sendable func signingSecret(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.signingSecret(as: context.requireCaller()), headers: Self.noStore)
    }

    @Sendable func rotate(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let secret = try await conveyor.rotateSigningSecret(as: caller)
        context.logger.notice("signing secret rotated", metadata: ["tenant": "\(caller.tenant)", "by": "\(caller.createdBy)"])
        return try .json(secret, headers: Self.noStore)
    }

    private static var noStore: HTTPFields {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        return headers
    }
}
