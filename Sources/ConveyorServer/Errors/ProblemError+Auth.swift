import ConveyorCore
import Hummingbird

/// The problems of authentication and authorization. None of them echoes a credential,
/// and none says anything about another tenant.
extension ProblemError {
    static let realm = "conveyor"

    /// 401 without a credential: says how to send one.
    static func credentialMissing() -> ProblemError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\""
        return ProblemError(
            "unauthorized", title: "Authentication required", status: .unauthorized,
            detail: "This endpoint needs a credential. Send `Authorization: Bearer <key>` with an API key (cvk_…) or a JWT from your identity provider.",
            headers: headers)
    }

    /// 401 with a credential that does not authenticate (malformed, unknown, revoked,
    /// expired, badly signed, for another audience).
    static func credentialInvalid(_ reason: String) -> ProblemError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\", error=\"invalid_token\""
        return ProblemError(
            "invalid-credential", title: "Invalid credential", status: .unauthorized,
            detail: "\(reason) Send a valid API key or JWT as `Authorization: Bearer <key>`.", headers: headers)
    }

    /// 403: authenticated, but without the scope the endpoint needs.
    static func scopeMissing(_ scope: Scope, has scopes: Set<Scope>) -> ProblemError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\", error=\"insufficient_scope\", scope=\"\(scope.rawValue)\""
        let held = scopes.isEmpty ? "none" : scopes.sorted().map(\.rawValue).joined(separator: ", ")
        var problem = ProblemError(
            "insufficient-scope", title: "Missing scope", status: .forbidden,
            detail: "This endpoint needs the scope '\(scope.rawValue)' (or 'admin'); the credential has: \(held). Use a key or token that carries it.",
            headers: headers)
        problem.problem.requiredScope = scope.rawValue
        return problem
    }

    /// 403 from the core: e.g. a tenant-bound credential naming another tenant.
    static func forbidden(_ detail: String) -> ProblemError {
        ProblemError("forbidden", title: "Forbidden", status: .forbidden, detail: detail)
    }

    /// 413 from the core: a job payload over its tenant's limit.
    static func payloadTooLarge(_ detail: String) -> ProblemError {
        ProblemError("payload-too-large", title: "Payload too large", status: .contentTooLarge, detail: detail)
    }

    /// A route registered without an entry in ``RouteScopes``: refused for everyone
    /// until it declares one, so forgetting a scope fails closed.
    static func undeclaredScope(method: HTTPRequest.Method, path: String) -> ProblemError {
        ProblemError(
            "internal", title: "Internal server error", status: .internalServerError,
            detail: "\(method.rawValue) \(path) declares no scope and is refused. This is a server bug; report it.")
    }
}
