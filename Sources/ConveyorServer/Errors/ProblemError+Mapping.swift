import ConveyorCore
import Hummingbird

extension ProblemError {
    /// The problem a client sees for an error thrown while handling its request, or nil
    /// for an error nobody planned for, which the caller logs and answers with a bare 500.
    init?(mapping error: any Error, request: Request, maxBodyBytes: Int) {
        switch error {
        case let problem as ProblemError:
            self = problem
        case let error as MalformedJSONError:
            self = .malformedJSON(error.message)
        case let error as DecodingError:
            self = .decoding(error)
        case let error as EventLogGone:
            self = .eventsGone(error)
        case let error as ConveyorError:
            guard let problem = ProblemError(conveyor: error) else { return nil }
            self = problem
        // Hummingbird's router throws this when no route matches the path (or, for a
        // path it knows, the method); ``RouteTable`` answers the latter with 405 first.
        case let error as HTTPError where error.status == .notFound:
            self = .routeNotFound(method: request.method, path: request.uri.path)
        // `collect(upTo:)` throws NIO's NIOTooManyBytesError, whose HTTPResponseError
        // conformance says 413; Hummingbird's own decoders may throw HTTPError(.contentTooLarge).
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            self = .contentTooLarge(limit: maxBodyBytes)
        case let error as HTTPError:
            self = .http(status: error.status, message: error.body)
        case let error as any HTTPResponseError:
            self = .http(status: error.status, message: nil)
        default:
            return nil
        }
    }

    /// Core's error codes; an unknown future code is unexpected, so it stays a 500.
    init?(conveyor error: ConveyorError) {
        switch error.code {
        case .validation:
            self = .invalid(
                error.failures.map { Problem.FieldError(field: $0.field, message: $0.message) },
                detail: "The request has invalid values: \(error.message). Correct the listed fields and send it again.")
            if error.failuresOmitted > 0 { problem.errorsOmitted = error.failuresOmitted }
        case .notFound:
            self = .notFound(error.message)
        case .conflict:
            self = .conflict(error.message)
        case .unavailable:
            self = .unavailable(error.message)
        case .forbidden:
            self = .forbidden(error.message)
        case .tooLarge:
            self = .payloadTooLarge(error.message)
        case .badRequest:
            self = ProblemError(
                "bad-request", title: "Bad request", status: .badRequest, detail: error.message + ".",
                errors: error.failures.map { Problem.FieldError(field: $0.field, message: $0.message) })
        default:
            return nil
        }
    }

    /// Well-formed JSON of the wrong shape: a missing, mistyped or unknown field.
    static func decoding(_ error: DecodingError) -> ProblemError {
        let codingPath: [any CodingKey]
        switch error {
        case .keyNotFound(let key, let context):
            codingPath = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            codingPath = context.codingPath
        @unknown default:
            codingPath = []
        }
        let description = DecodingErrorDescription.describe(error)
        return .invalid(
            [Problem.FieldError(field: DecodingErrorDescription.path(codingPath), message: description)],
            detail: "The request body is valid JSON but does not fit the expected shape: \(description). Correct that field and send the request again.")
    }
}
