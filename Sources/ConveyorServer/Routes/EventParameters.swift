import ConveyorCore
import Hummingbird

/// The query string of `GET /v1/events` and `GET /v1/events/stream`, checked all at once.
/// Unknown parameters are refused, so a typo does not silently widen a filter.
struct EventParameters {
    static let limitRange = 1...1000

    var after: Int64?
    var topic: TopicFilter?
    var tenant: String?
    var key: String?
    var queue: String?
    var workflowID: String?
    var limit = 100
    /// Streams only: false replays the log and closes instead of staying live.
    var live = true

    /// - Parameter allowed: the parameter names this route takes.
    init(_ parameters: Parameters, allowed: [String]) throws(ConveyorError) {
        var failures: [ValidationFailure] = []
        for (name, _) in parameters where !allowed.contains(String(name)) {
            failures.append(ValidationFailure(String(name), "unknown query parameter; allowed: \(allowed.joined(separator: ", "))"))
        }
        func value(_ name: String) -> String? {
            guard let text = parameters.get(name), !text.isEmpty else { return nil }
            return text
        }
        if let text = value("after") {
            if let number = Int64(text), number >= 0 {
                after = number
            } else {
                failures.append(ValidationFailure("after", "'\(text)' is not an event id (a non-negative integer)"))
            }
        }
        if let text = value("topic") {
            do throws(ConveyorError) {
                topic = try TopicFilter(text)
            } catch {
                failures += error.failures
            }
        }
        if let text = value("limit") {
            if let number = Int(text), Self.limitRange.contains(number) {
                limit = number
            } else {
                failures.append(
                    ValidationFailure("limit", "'\(text)' is not an integer between \(Self.limitRange.lowerBound) and \(Self.limitRange.upperBound)"))
            }
        }
        if let text = value("live") {
            if let flag = Bool(text) {
                live = flag
            } else {
                failures.append(ValidationFailure("live", "'\(text)' is not true or false"))
            }
        }
        tenant = value("tenant")
        // `key` on the log, `job_id` on the stream: the same filter.
        key = value("key") ?? value("job_id")
        queue = value("queue")
        workflowID = value("workflow_id")
        guard failures.isEmpty else { throw .invalid(failures) }
    }
}
