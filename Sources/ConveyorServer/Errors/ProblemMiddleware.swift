import ConveyorCore
import Foundation
import Hummingbird
import Logging

/// Turns every error into an RFC 9457 problem response, so no handler formats errors
/// itself and no client ever sees Hummingbird's default error body or an internal message.
struct ProblemMiddleware: RouterMiddleware {
    let conveyor: Conveyor

    func handle(
        _ request: Request, context: ConveyorRequestContext,
        next: (Request, ConveyorRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem: ProblemError
            if let mapped = ProblemError(mapping: error, request: request, maxBodyBytes: context.maxUploadSize) {
                problem = mapped
                context.logger.debug(
                    "request rejected",
                    metadata: ["status": "\(problem.status.code)", "problem": "\(problem.problem.type)"])
            } else if conveyor.backend.diagnostics.isOutOfSpace(error) {
                // Not a bug of ours nor the client's: the operator must free space. Reads
                // go on; writes succeed again as soon as there is room.
                conveyor.writeHealth.recordOutOfSpace(at: Date())
                context.logger.error(
                    "the store is out of space; writes fail until space is freed",
                    metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
                problem = .storeFull()
            } else {
                // The only place the real error is recorded; the client gets a generic
                // detail because internals (SQL, paths) are nobody's business outside.
                context.logger.error(
                    "request failed",
                    metadata: [
                        "error": "\(String(reflecting: error))",
                        "method": "\(request.method.rawValue)",
                        "path": "\(request.uri.path)",
                    ])
                problem = .internalError(requestID: context.logger[metadataKey: "hb.request.id"]?.description)
            }
            return problem.response(instance: request.uri.path)
        }
    }
}
