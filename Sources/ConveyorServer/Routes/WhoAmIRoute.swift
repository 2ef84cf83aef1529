import ConveyorCore
import Hummingbird

/// `GET /v1/whoami`: the tenant, scopes and subject the server read from the credential,
/// for checking a JWT's claim mapping or a key's grants without trial and error.
struct WhoAmIRoute {
    func register(in routes: inout RouteTable) {
        routes.on(.get, "/v1/whoami", use: whoami)
    }

    @Sendable func whoami(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(WhoAmI(caller: try context.requireCaller()))
    }
}
