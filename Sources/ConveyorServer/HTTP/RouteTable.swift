import Hummingbird

/// Registers the API's routes and remembers which methods each path serves, so a known
/// path called with another method gets 405 and an `Allow` header; Hummingbird's router
/// alone would answer 404, which sends a client looking for a typo in the wrong place.
struct RouteTable {
    typealias Handler = @Sendable (Request, ConveyorRequestContext) async throws -> Response

    let router: Router<ConveyorRequestContext>
    private var paths: [(path: String, methods: [HTTPRequest.Method])] = []

    init(router: Router<ConveyorRequestContext>) {
        self.router = router
    }

    mutating func on(_ method: HTTPRequest.Method, _ path: String, use handler: @escaping Handler) {
        router.on(RouterPath(path), method: method, use: handler)
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

    private static let rejectable: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete]
}
