import ConveyorCore
import Hummingbird

/// The kinds of problem the API reports. Each `detail` says what was wrong and how to fix it.
extension ProblemError {
    static func malformedJSON(_ parserMessage: String) -> ProblemError {
        ProblemError(
            "malformed-json", title: "Malformed JSON", status: .badRequest,
            detail: "The request body is not valid JSON: \(parserMessage) Send a JSON object with Content-Type: application/json.")
    }

    static func invalid(_ errors: [Problem.FieldError], detail: String) -> ProblemError {
        ProblemError("validation", title: "Invalid request", status: .unprocessableContent, detail: detail, errors: errors)
    }

    static func notFound(_ detail: String) -> ProblemError {
        ProblemError("not-found", title: "Not found", status: .notFound, detail: detail)
    }

    static func conflict(_ detail: String) -> ProblemError {
        ProblemError("conflict", title: "Conflict with the job's state", status: .conflict, detail: detail)
    }

    /// A reader fell behind the event log's retention window.
    static func eventsGone(_ error: EventLogGone) -> ProblemError {
        var problem = ProblemError("events-gone", title: "Events no longer retained", status: .gone, detail: error.description)
        problem.problem.oldestAvailableID = error.oldestAvailable
        return problem
    }

    /// An inbound webhook that failed verification, or named no known source: the same
    /// answer for both, so a caller cannot probe which sources exist.
    static func inboundUnverified() -> ProblemError {
        ProblemError(
            "inbound-unverified", title: "Unverified webhook", status: .unauthorized,
            detail: "The request's signature could not be verified for this source: check the source name, the secret, the signature headers and the sender's clock. Nothing was stored.")
    }

    static func unavailable(_ detail: String) -> ProblemError {
        ProblemError("unavailable", title: "Service unavailable", status: .serviceUnavailable, detail: detail)
    }

    /// 507: the store has no space left, so nothing was written. Retry once space is freed.
    static func storeFull() -> ProblemError {
        ProblemError(
            "store-full", title: "The store is out of space", status: .init(code: 507, reasonPhrase: "Insufficient Storage"),
            detail: "The job store has no space left, so nothing was written. Reads still work; retry the request once the operator has freed space.")
    }

    static func contentTooLarge(limit: Int) -> ProblemError {
        ProblemError(
            "content-too-large", title: "Request body too large", status: .contentTooLarge,
            detail: "The request body is larger than the limit of \(limit) bytes. Send a smaller body, or split a batch into several requests.")
    }

    static func routeNotFound(method: HTTPRequest.Method, path: String) -> ProblemError {
        ProblemError(
            "route-not-found", title: "Not found", status: .notFound,
            detail: "No endpoint matches \(method.rawValue) \(path). The API lives under /v1 (e.g. GET /v1/jobs); health checks are /healthz and /readyz.")
    }

    static func methodNotAllowed(method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> ProblemError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        var headers = HTTPFields()
        headers[.allow] = list
        return ProblemError(
            "method-not-allowed", title: "Method not allowed", status: .methodNotAllowed,
            detail: "\(path) does not support \(method.rawValue). Use one of: \(list).", headers: headers)
    }

    /// Another HTTP error raised inside Hummingbird, passed on with its own status.
    static func http(status: HTTPResponse.Status, message: String?) -> ProblemError {
        ProblemError(
            "http-\(status.code)", title: status.reasonPhrase, status: status,
            detail: message ?? "The server rejected the request (\(status.code) \(status.reasonPhrase)).")
    }

    static func internalError(requestID: String?) -> ProblemError {
        let reference = requestID.map { " Quote request id \($0) when reporting it." } ?? ""
        return ProblemError(
            "internal", title: "Internal server error", status: .internalServerError,
            detail: "The server failed to handle the request. The error has been logged; retry later, and contact the operator if it persists.\(reference)")
    }
}
