import ConveyorCore
import Hummingbird

extension JobQuery {
    static let parameterNames = ["queue", "state", "type", "tenant", "tag", "limit", "cursor"]
    static let limitRange = 1...1000

    /// Reads the query string of `GET /v1/jobs`, reporting every bad parameter at once.
    /// Unknown parameters are refused, as unknown body fields are, so a typo such as
    /// `status=failed` does not silently list every job.
    init(parameters: Parameters) throws(ConveyorError) {
        var failures: [ValidationFailure] = []
        for (name, _) in parameters where !Self.parameterNames.contains(String(name)) {
            failures.append(
                ValidationFailure(String(name), "unknown query parameter; allowed: \(Self.parameterNames.joined(separator: ", "))"))
        }
        // An empty value (`?queue=`) means no filter, as it does in most HTML forms.
        func value(_ name: String) -> String? {
            guard let text = parameters.get(name), !text.isEmpty else { return nil }
            return text
        }

        var state: JobState?
        if let text = value("state") {
            state = JobState(rawValue: text)
            if state == nil {
                failures.append(
                    ValidationFailure("state", "'\(text)' is not a state; use one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        var limit = 50
        if let text = value("limit") {
            if let number = Int(text), Self.limitRange.contains(number) {
                limit = number
            } else {
                failures.append(
                    ValidationFailure("limit", "'\(text)' is not an integer between \(Self.limitRange.lowerBound) and \(Self.limitRange.upperBound)"))
            }
        }
        guard failures.isEmpty else { throw .invalid(failures) }
        self.init(
            queue: value("queue"), state: state, type: value("type"), tenant: value("tenant"), tag: value("tag"),
            limit: limit, cursor: value("cursor"))
    }
}
