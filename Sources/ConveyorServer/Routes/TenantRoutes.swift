import ConveyorCore
import Hummingbird

/// `GET /v1/tenants` and `POST /v1/tenants`: admin only.
struct TenantRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.get, "/v1/tenants", use: list)
        routes.on(.post, "/v1/tenants", use: save)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(TenantList(tenants: try await CredentialRoutes.store(of: conveyor).listTenants()))
    }

    /// Creates the tenant (201) or replaces its limits (200).
    @Sendable func save(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await JSONRequestBody.read(request, context: context).decode(TenantRequest.self)
        try body.validate()
        let store = try CredentialRoutes.store(of: conveyor)
        let (tenant, created) = try await store.saveTenant(
            id: body.id, limits: body.limits ?? TenantLimits(), now: conveyor.clock.now())
        context.logger.notice(
            created ? "tenant created" : "tenant limits changed",
            metadata: ["tenant": "\(tenant.id)", "by": "\(caller.createdBy)"])
        return try .json(tenant, status: created ? .created : .ok)
    }
}
