/// Errors the core reports to its callers. The server maps each code to an HTTP status
/// and a problem document; codes are static members so new ones never break a `switch`.
public struct ConveyorError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }
        public static let notFound = Code(rawValue: "not-found")
        /// The request does not fit the resource's current state.
        public static let conflict = Code(rawValue: "conflict")
        public static let validation = Code(rawValue: "validation")
        public static let unavailable = Code(rawValue: "unavailable")
        /// The caller is known but may not do this (another tenant, say).
        public static let forbidden = Code(rawValue: "forbidden")
        /// A value is larger than a limit allows (a tenant's maximum payload size).
        public static let tooLarge = Code(rawValue: "too-large")
        /// A request parameter that cannot be read at all (a cursor that no page gave out).
        public static let badRequest = Code(rawValue: "bad-request")
    }

    public var code: Code
    public var message: String
    public var failures: [ValidationFailure]
    /// Failures found beyond those listed in ``failures``: a document with thousands of
    /// bad values is answered with the first ``ValidationFailure/listLimit`` and a count,
    /// not a problem document larger than the request.
    public var failuresOmitted: Int

    public init(_ code: Code, _ message: String, failures: [ValidationFailure] = [], failuresOmitted: Int = 0) {
        self.code = code
        self.message = message
        self.failures = failures
        self.failuresOmitted = failuresOmitted
    }

    public static func notFound(job id: String) -> ConveyorError {
        ConveyorError(.notFound, "No job has id '\(id)'. Check the id, or list jobs with GET /v1/jobs.")
    }

    public static func forbidden(_ message: String) -> ConveyorError {
        ConveyorError(.forbidden, message)
    }

    /// Every store refuses these the same way, so the messages live here.
    public static func cannotCancel(job id: String, state: JobState) -> ConveyorError {
        ConveyorError(
            .conflict,
            "Job \(id) already ended \(state.rawValue) and cannot be cancelled. To run it again, use POST /v1/jobs/\(id)/retry (failed or cancelled jobs) or the rerun action.")
    }

    public static func cannotRetry(job id: String, state: JobState) -> ConveyorError {
        ConveyorError(
            .conflict,
            "Job \(id) is \(state.rawValue); only failed or cancelled jobs can be retried. Use the rerun action to run a succeeded job again.")
    }

    public static func duplicateID(_ id: String) -> ConveyorError {
        ConveyorError(.conflict, "A job with id \(id) exists already.")
    }

    /// A validation error listing at most ``ValidationFailure/listLimit`` failures;
    /// `omitted` counts failures a validator found but did not keep (it stopped listing).
    public static func invalid(_ failures: [ValidationFailure], omitted: Int = 0) -> ConveyorError {
        let listed = Array(failures.prefix(ValidationFailure.listLimit))
        let omitted = omitted + failures.count - listed.count
        // The detail names the first few; `errors` lists up to the limit.
        var detail = listed.prefix(10).map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        if failures.count + omitted > 10 { detail += "; and \(failures.count + omitted - min(10, listed.count)) more" }
        return ConveyorError(.validation, detail, failures: listed, failuresOmitted: omitted)
    }

    public var description: String { "\(code): \(message)" }
}
