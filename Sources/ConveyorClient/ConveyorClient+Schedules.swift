import AsyncHTTPClient
import ConveyorCore

/// Cron schedules (scope `schedules:manage`); see docs/schedules.md.
extension ConveyorClient {
    /// Creates a schedule; `409` when its tenant has one with its id.
    public func createSchedule(_ request: ScheduleRequest) async throws -> Schedule {
        try await send(.POST, "/v1/schedules", body: request).decode(Schedule.self)
    }

    /// The caller's tenant's schedules (an admin's: every tenant's), with their next run
    /// times and last outcome.
    public func schedules() async throws -> [Schedule] {
        try await allPages { cursor in
            let page = try await schedules(limit: Self.largestPage, cursor: cursor)
            return (page.schedules, page.nextCursor)
        }
    }

    // Schedule ids are per tenant: `id` names one of the caller's tenant's schedules, and
    // an admin reaches another tenant's by passing `tenant`.

    public func schedule(id: String, tenant: String? = nil) async throws -> Schedule {
        try await send(.GET, Self.schedulePath(id, tenant: tenant)).decode(Schedule.self)
    }

    /// Changes the fields given; `paused: true` pauses, `paused: false` resumes from now.
    public func updateSchedule(id: String, tenant: String? = nil, _ patch: SchedulePatch) async throws -> Schedule {
        try await send(.PATCH, Self.schedulePath(id, tenant: tenant), body: patch).decode(Schedule.self)
    }

    public func deleteSchedule(id: String, tenant: String? = nil) async throws {
        _ = try await send(.DELETE, Self.schedulePath(id, tenant: tenant))
    }

    /// Fires the schedule now, once; `created` is false when this instant's job existed.
    @discardableResult
    public func triggerSchedule(id: String, tenant: String? = nil) async throws -> ScheduleTriggerResult {
        try await send(.POST, Self.schedulePath(id, tenant: tenant, suffix: "/trigger")).decode(ScheduleTriggerResult.self)
    }

    private static func schedulePath(_ id: String, tenant: String?, suffix: String = "") -> String {
        "/v1/schedules/\(PercentEncoding.encode(id))\(suffix)" + (tenant.map { "?tenant=\(PercentEncoding.encode($0))" } ?? "")
    }
}
