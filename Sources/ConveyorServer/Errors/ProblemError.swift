import ConveyorCore
import Hummingbird

/// A problem document ready to send, with its status and any headers it needs
/// (`Allow` on a 405). Handlers throw it; ``ProblemMiddleware`` writes it.
struct ProblemError: Error {
    var problem: Problem
    /// Kept alongside `problem.status` so the response carries the standard reason phrase.
    var status: HTTPResponse.Status
    var headers: HTTPFields

    init(
        _ code: String, title: String, status: HTTPResponse.Status, detail: String,
        errors: [Problem.FieldError]? = nil, headers: HTTPFields = [:]
    ) {
        self.problem = Problem(type: Problem.typeURN(code), title: title, status: status.code, detail: detail, errors: errors)
        self.status = status
        self.headers = headers
    }

    /// The HTTP response, with `instance` set to the request path so a client that logs
    /// only the body can still tell which call failed.
    func response(instance: String) -> Response {
        var problem = problem
        problem.instance = problem.instance ?? instance
        do {
            return try .json(problem, status: status, contentType: Problem.contentType, headers: headers)
        } catch {
            // Unreachable in practice (a Problem is plain strings and ints), but an error
            // handler must never throw.
            return Response(status: status, headers: headers)
        }
    }
}
