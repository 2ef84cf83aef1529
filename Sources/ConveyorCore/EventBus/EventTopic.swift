/// The rules for the topics of custom events.
public enum EventTopic {
    /// Topics Conveyor appends itself; a custom event may not claim to be one of these, so a
    /// tenant cannot forge a system event that triggers, webhooks and consumers trust.
    /// Every topic Conveyor emits starts with one of these (a test walks them all):
    /// `job.*` (``LogEvent/jobSubmitted`` …), `workflow.*` (``WorkflowEvent``),
    /// `circuit.*` and `queue.*` (flow control), `webhook.*` (an endpoint disabled),
    /// `inbound.*` (verified inbound webhooks, `POST /v1/inbound/{source}`, only).
    /// `schedule.` and `conveyor.` are held for Conveyor's own future events. This is the
    /// one list: publishing and topic schemas both check it.
    public static let reservedPrefixes = ["job.", "workflow.", "inbound.", "circuit.", "queue.", "webhook.", "schedule.", "conveyor."]

    /// True when `topic` is one Conveyor emits (or may emit) itself.
    public static func isReserved(_ topic: String) -> Bool {
        reservedPrefixes.contains { topic.hasPrefix($0) }
    }

    /// The failures of `topic` as the topic of a published event, under `field`.
    public static func problems(_ topic: String, field: String = "topic") -> [ValidationFailure] {
        if let prefix = reservedPrefixes.first(where: { topic.hasPrefix($0) }) {
            return [
                ValidationFailure(
                    field,
                    "'\(topic)' is reserved: topics starting '\(prefix)' are Conveyor's own events. Choose a topic of your domain, such as entry.saved")
            ]
        }
        guard isValid(topic) else {
            return [
                ValidationFailure(
                    field,
                    "must be 1–200 characters of letters, digits, '_', '-', '.' or ':' (no '*': wildcards are for subscribers), e.g. entry.saved")
            ]
        }
        return []
    }

    /// Short, printable, no wildcard: safe in URLs (`/v1/topics/{topic}/schema`) and filters.
    public static func isValid(_ topic: String) -> Bool {
        guard !topic.isEmpty, topic.utf8.count <= 200 else { return false }
        return topic.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == 0x5F || b == 0x2D || b == 0x2E || b == 0x3A
        }
    }
}
