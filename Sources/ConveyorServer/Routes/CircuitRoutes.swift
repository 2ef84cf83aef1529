import ConveyorCore
import Hummingbird

/// `GET /v1/circuits` and `POST /v1/circuits/{key}/reset` (docs/flow-control.md). Scope
/// `queues:manage`; a caller that is not admin sees and resets only its tenant's breakers.
struct CircuitRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.get, "/v1/circuits", use: list)
        routes.on(.post, "/v1/circuits/{key}/reset", use: reset)
    }

    /// `?state=open|half_open|closed`, `?limit=` (default 100, at most 1000).
    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        var reader = QueryReader(request.uri.queryParameters, allowed: ["state", "limit"])
        let state: Circuit.State? = reader.enumeration("state", kind: "circuit state")
        let limit = reader.limit(default: 100)
        try reader.check()
        let circuits = try await conveyor.circuits(state: state, limit: limit, as: context.requireCaller())
        return try .json(CircuitList(circuits: circuits))
    }

    /// Closes the key's breakers (`?type=` picks one job type's; an admin's `?tenant=` one
    /// tenant's): 200 with those reset, 404 when none matched.
    @Sendable func reset(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let reader = QueryReader(request.uri.queryParameters, allowed: ["type", "tenant"])
        let type = reader.value("type")
        let tenant = reader.value("tenant")
        try reader.check()
        let key = try context.parameters.requireDecoded("key")
        let circuits = try await conveyor.resetCircuit(key: key, type: type, tenant: tenant, as: caller)
        context.logger.notice("circuit reset", metadata: ["key": "\(key)", "type": "\(type ?? "*")", "by": "\(caller.createdBy)"])
        return try .json(CircuitList(circuits: circuits))
    }
}
