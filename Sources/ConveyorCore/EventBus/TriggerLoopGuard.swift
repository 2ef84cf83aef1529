/// Keeps triggers from feeding themselves.
///
/// A trigger may listen to job events, and its own jobs append job events: a trigger on
/// `job.*` that enqueues a job would see that job's `job.submitted`, enqueue another, and
/// so on for ever. Two rules stop that, and chains of triggers feeding each other:
///
/// 1. A trigger ignores the job events of jobs of its own job type.
/// 2. Every job a trigger makes carries `metadata.conveyor_trigger.depth`: one more than
///    the depth of the job whose event fired it (0 for custom events). A trigger ignores
///    job events of jobs at ``maxDepth`` or deeper.
enum TriggerLoopGuard {
    static let metadataKey = "conveyor_trigger"
    static let maxDepth = 8

    /// The trigger depth of the job a job event is about; 0 for anything else.
    static func depth(of event: LogEvent) -> Int {
        guard event.type.hasPrefix("job.") else { return 0 }
        return Int(event.data["metadata"]?[metadataKey]?["depth"]?.doubleValue ?? 0)
    }

    /// Why `trigger` must not act on `event`, or nil when it may.
    static func skipReason(_ event: LogEvent, trigger: Trigger) -> String? {
        guard event.type.hasPrefix("job.") else { return nil }
        if event.data["type"]?.stringValue == trigger.job.type {
            return "the event is about a job of the trigger's own type '\(trigger.job.type)'"
        }
        if depth(of: event) >= maxDepth {
            return "the event's job was made by a chain of \(maxDepth) triggers"
        }
        return nil
    }
}
