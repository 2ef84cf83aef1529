import ConveyorCore
import Foundation
import Hummingbird

/// Cron schedules (`/v1/schedules`). Scope `schedules:manage`; tenant-isolated like
/// webhook endpoints. Ids are per tenant: `{id}` names the caller's tenant's schedule, and
/// an admin reaches another tenant's with `?tenant=`. See docs/schedules.md.
struct ScheduleRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.post, "/v1/schedules", use: create)
        routes.on(.get, "/v1/schedules", use: list)
        routes.on(.get, "/v1/schedules/{id}", use: show)
        routes.on(.patch, "/v1/schedules/{id}", use: update)
        routes.on(.delete, "/v1/schedules/{id}", use: delete)
        routes.on(.post, "/v1/schedules/{id}/trigger", use: trigger)
    }

    @Sendable func create(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await JSONRequestBody.read(request, context: context).decode(ScheduleRequest.self)
        let schedule = try await conveyor.createSchedule(body, as: caller)
        context.logger.notice(
            "schedule created", metadata: ["schedule": "\(schedule.id)", "tenant": "\(schedule.tenant)", "by": "\(caller.createdBy)"])
        var headers = HTTPFields()
        headers[.location] = "/v1/schedules/\(schedule.id)" + (schedule.tenant == caller.tenant ? "" : "?tenant=\(schedule.tenant)")
        return try .json(schedule, status: .created, headers: headers)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let (limit, cursor) = try QueryReader.page(request)
        let page = try ListCursor.page(
            try await conveyor.schedules(as: context.requireCaller()), key: { "\($0.id)\u{0}\($0.tenant)" }, limit: limit, cursor: cursor)
        return try .json(ScheduleList(schedules: page.items, nextCursor: page.nextCursor))
    }

    @Sendable func show(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let tenant = try Self.tenant(request)
        return try .json(try await conveyor.schedule(id: context.parameters.requireDecoded("id"), tenant: tenant, as: context.requireCaller()))
    }

    /// `?tenant=`, the only query parameter of a single schedule's routes.
    static func tenant(_ request: Request) throws -> String? {
        let reader = QueryReader(request.uri.queryParameters, allowed: ["tenant"])
        try reader.check()
        return reader.value("tenant")
    }

    @Sendable func update(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.parameters.requireDecoded("id")
        let tenant = try Self.tenant(request)
        let patch = try await JSONRequestBody.read(request, context: context).decode(SchedulePatch.self)
        let schedule = try await conveyor.updateSchedule(id: id, tenant: tenant, patch: patch, as: caller)
        context.logger.notice("schedule updated", metadata: ["schedule": "\(id)", "tenant": "\(schedule.tenant)", "by": "\(caller.createdBy)"])
        return try .json(schedule)
    }

    @Sendable func delete(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.parameters.requireDecoded("id")
        let tenant = try Self.tenant(request)
        try await conveyor.deleteSchedule(id: id, tenant: tenant, as: caller)
        context.logger.notice("schedule deleted", metadata: ["schedule": "\(id)", "tenant": "\(tenant ?? caller.tenant)", "by": "\(caller.createdBy)"])
        return Response(status: .noContent)
    }

    /// Fires now, once: `201` with the job, `200` when that instant's job existed already.
    @Sendable func trigger(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.parameters.requireDecoded("id")
        let tenant = try Self.tenant(request)
        let result = try await conveyor.triggerSchedule(id: id, tenant: tenant, as: caller)
        context.logger.notice(
            "schedule triggered",
            metadata: ["schedule": "\(id)", "tenant": "\(result.job.tenant)", "job": "\(result.job.id)", "by": "\(caller.createdBy)"])
        return try .json(result, status: result.created ? .created : .ok)
    }
}
