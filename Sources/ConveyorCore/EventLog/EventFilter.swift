/// What one live reader wants from the log. Every set field must match.
public struct EventFilter: Sendable, Hashable {
    public var topic: TopicFilter?
    /// Set for a caller that is not admin: its own tenant only.
    public var tenant: String?
    /// Events about this entity (a job id).
    public var key: String?
    /// Job events of jobs on this queue.
    public var queue: String?
    /// The workflow's own events and the job events of its steps.
    public var workflowID: String?

    public init(
        topic: TopicFilter? = nil, tenant: String? = nil, key: String? = nil, queue: String? = nil,
        workflowID: String? = nil
    ) {
        self.topic = topic
        self.tenant = tenant
        self.key = key
        self.queue = queue
        self.workflowID = workflowID
    }

    public func matches(_ event: LogEvent) -> Bool {
        if let topic, !topic.matches(event.topic) { return false }
        if let tenant, tenant != event.tenant { return false }
        if let key, key != event.key { return false }
        if let queue, event.data["queue"]?.stringValue != queue { return false }
        if let workflowID, event.key != workflowID, event.data["workflow_id"]?.stringValue != workflowID { return false }
        return true
    }

    /// The part of the filter the store applies; `queue` and `workflowID` are applied in memory.
    public func query(after: Int64?, limit: Int) -> EventQuery {
        EventQuery(after: after, topic: topic, tenant: tenant, key: key, limit: limit)
    }
}
