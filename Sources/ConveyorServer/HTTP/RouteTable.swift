import Hummingbird

/// Registers the API's routes, each behind the access its ``RouteScopes`` entry
/// declares, and remembers which methods each path serves, so a known path called with
/// another method gets 405 and an `Allow` header; Hummingbird's router alone would
/// answer 404, which sends a client looking for a typo in the wrong place.
struct RouteTable {
    typealias Handler = @Sendable (Request, ConveyorRequestContext) async throws -> Response

    let router: Router<ConveyorRequestContext>
    let authenticator: Authenticator
    private var paths: [(path: String, methods: [HTTPRequest.Method])] = []
    /// Every route registered, in order.
    private(set) var registered: [RouteKey] = []
    /// Routes registered without a ``RouteScopes`` entry; they answer 500 to everyone.
    private(set) var undeclared: [RouteKey] = []

    init(router: Router<ConveyorRequestContext>, authenticator: Authenticator) {
        self.router = router
        self.authenticator = authenticator
    }

    mutating func on(_ method: HTTPRequest.Method, _ path: String, use handler: @escaping Handler) {
        let key = RouteKey(method, path)
        registered.append(key)
        if let access = RouteScopes.access(method, path) {
            let authenticator = self.authenticator
            router.on(RouterPath(path), method: method) { request, context in
                // Authorization comes before the handler reads the body or the store,
                // so a refused request costs nothing and writes nothing.
                var context = context
                context.caller = try await authenticator.authorize(request, access: access)
                return try await handler(request, context)
            }
        } else {
            undeclared.append(key)
            router.on(RouterPath(path), method: method) { request, _ -> Response in
                throw ProblemError.undeclaredScope(method: request.method, path: path)
            }
        }
        if let index = paths.firstIndex(where: { $0.path == path }) {
            paths[index].methods.append(method)
        } else {
            paths.append((path, [method]))
        }
    }

    /// Answers 405 for the methods each path lacks. Call once, after every route is added.
    func addMethodNotAllowedResponders() {
        for (path, methods) in paths {
            // HEAD comes with every GET through the router's `autoGenerateHeadEndpoints`.
            let allowed = methods.contains(.get) ? methods + [.head] : methods
            for method in Self.rejectable where !allowed.contains(method) {
                router.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw ProblemError.methodNotAllowed(method: request.method, path: request.uri.path, allowed: allowed)
                }
            }
        }
    }

    /// OPTIONS, TRACE and QUERY (the safe method with a body) too: a known path called
    /// with them answered 404 "no endpoint matches", found by schemathesis against the
    /// OpenAPI document.
    private static let rejectable: [HTTPRequest.Method] = [
        .get, .head, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!,
    ]
}
