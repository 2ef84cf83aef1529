import ConveyorCore
import Hummingbird

/// The query string of `GET /v1/events` and `GET /v1/events/stream`, checked all at once.
/// Unknown parameters are refused, so a typo does not silently widen a filter.
struct EventParameters {
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
        var reader = QueryReader(parameters, allowed: allowed)
        if let text = reader.value("after") {
            if let number = Int64(text), number >= 0 {
                after = number
            } else {
                reader.fail(ValidationFailure("after", "'\(text)' is not an event id (a non-negative integer)"))
            }
        }
        if let text = reader.value("topic") {
            do throws(ConveyorError) {
                topic = try TopicFilter(text)
            } catch {
                for failure in error.failures { reader.fail(failure) }
            }
        }
        limit = reader.limit(default: 100)
        if let text = reader.value("live") {
            if let flag = Bool(text) {
                live = flag
            } else {
                reader.fail(ValidationFailure("live", "'\(text)' is not true or false"))
            }
        }
        tenant = reader.value("tenant")
        // `key` on the log, `job_id` on the stream: the same filter.
        key = reader.value("key") ?? reader.value("job_id")
        queue = reader.value("queue")
        workflowID = reader.value("workflow_id")
        try reader.check()
    }
}
