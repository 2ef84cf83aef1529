import ConveyorCore
import Hummingbird

/// Job types declared for remote workers (`/v1/job-types`), so they can be enqueued before
/// any worker that runs them is online. See docs/workers.md.
struct JobTypeRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.put, "/v1/job-types/{type}", use: put)
        routes.on(.get, "/v1/job-types", use: list)
        routes.on(.delete, "/v1/job-types/{type}", use: delete)
    }

    @Sendable func put(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let type = try context.parameters.requireDecoded("type")
        let body = try await JSONRequestBody.read(request, context: context).decode(JobTypeRequest.self)
        return try .json(try await conveyor.putJobType(type, body, as: context.requireCaller()))
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(JobTypeList(jobTypes: try await conveyor.declaredJobTypes()))
    }

    @Sendable func delete(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try await conveyor.deleteJobType(try context.parameters.requireDecoded("type"), as: context.requireCaller())
        return Response(status: .noContent)
    }
}
