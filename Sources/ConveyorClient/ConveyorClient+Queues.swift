import AsyncHTTPClient
import ConveyorCore

/// Queue flow control and circuit breakers (scope `queues:manage`); see
/// docs/flow-control.md. Changing a queue needs an admin or a credential of tenant
/// `default`; breakers are tenant-isolated.
extension ConveyorClient {
    /// The queue's settings, counts per state, busiest and paused keys, and throughput.
    public func queue(_ name: String) async throws -> QueueDetail {
        try await send(.GET, Self.queuePath(name)).decode(QueueDetail.self)
    }

    /// Changes the fields the patch carries (`.clear` removes a limit); answers the detail.
    @discardableResult
    public func updateQueue(_ name: String, settings patch: QueueSettingsPatch) async throws -> QueueDetail {
        try await send(.PATCH, Self.queuePath(name), body: patch).decode(QueueDetail.self)
    }

    /// Stops claims from the queue on every node; pausing a paused queue changes nothing.
    @discardableResult
    public func pauseQueue(_ name: String) async throws -> QueueDetail {
        try await send(.POST, Self.queuePath(name) + "/pause").decode(QueueDetail.self)
    }

    @discardableResult
    public func resumeQueue(_ name: String) async throws -> QueueDetail {
        try await send(.POST, Self.queuePath(name) + "/resume").decode(QueueDetail.self)
    }

    /// Circuit breakers, those not closed first; `state` filters.
    public func circuits(state: Circuit.State? = nil, limit: Int? = nil) async throws -> [Circuit] {
        var query: [(String, String)] = []
        if let state { query.append(("state", state.rawValue)) }
        if let limit { query.append(("limit", String(limit))) }
        return try await send(.GET, "/v1/circuits", query: query).decode(CircuitList.self).circuits
    }

    /// Closes the breakers of `key` (only `type`'s when given) and returns them; a
    /// not-found problem when none matched.
    @discardableResult
    public func resetCircuit(key: String, type: String? = nil) async throws -> [Circuit] {
        try await send(
            .POST, "/v1/circuits/\(PercentEncoding.encode(key))/reset", query: type.map { [("type", $0)] } ?? []
        ).decode(CircuitList.self).circuits
    }

    private static func queuePath(_ name: String) -> String {
        "/v1/queues/\(PercentEncoding.encode(name))"
    }
}
