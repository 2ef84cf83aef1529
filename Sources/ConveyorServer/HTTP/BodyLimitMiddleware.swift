import Hummingbird

/// Applies the configured body limit to every request. A context is created before the
/// router knows the configuration, so the limit is set here rather than in its initializer.
struct BodyLimitMiddleware: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(
        _ request: Request, context: ConveyorRequestContext,
        next: (Request, ConveyorRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.maxUploadSize = maxBodyBytes
        return try await next(request, context)
    }
}
