import ConveyorCore

extension JobQuery {
    /// The query parameters of `GET /v1/jobs`, leaving out filters that are not set.
    var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        func add(_ name: String, _ value: String?) {
            if let value { items.append((name, value)) }
        }
        add("queue", queue)
        add("state", state?.rawValue)
        add("type", type)
        add("tenant", tenant)
        add("tag", tag)
        add("limit", String(limit))
        add("cursor", cursor)
        return items
    }
}
