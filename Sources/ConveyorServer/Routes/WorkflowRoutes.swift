import ConveyorCore
import Hummingbird

/// `/v1/workflows`: submit, list, read, cancel and retry workflows.
struct WorkflowRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.post, "/v1/workflows", use: submit)
        routes.on(.get, "/v1/workflows", use: list)
        routes.on(.get, "/v1/workflows/{id}", use: get)
        routes.on(.delete, "/v1/workflows/{id}", use: cancel)
        routes.on(.post, "/v1/workflows/{id}/retry", use: retry)
    }

    @Sendable func submit(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let body = try await JSONRequestBody.read(request, context: context)
        let workflow = try await conveyor.submitWorkflow(
            try body.decode(WorkflowRequest.self), as: context.requireCaller())
        var headers = HTTPFields()
        headers[.location] = "/v1/workflows/\(workflow.id)"
        return try .json(workflow, status: .created, headers: headers)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let query = try WorkflowQuery(parameters: request.uri.queryParameters)
        return try .json(try await conveyor.listWorkflows(query, as: context.requireCaller()))
    }

    @Sendable func get(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.workflow(id: context.parameters.require("id"), as: context.requireCaller()))
    }

    @Sendable func cancel(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.cancelWorkflow(id: context.parameters.require("id"), as: context.requireCaller()))
    }

    @Sendable func retry(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        try .json(try await conveyor.retryWorkflow(id: context.parameters.require("id"), as: context.requireCaller()))
    }
}

extension WorkflowQuery {
    static let parameterNames = ["state", "name", "tenant", "limit", "cursor"]

    /// Reads the query string of `GET /v1/workflows`, as `GET /v1/jobs` reads its own.
    init(parameters: Parameters) throws(ConveyorError) {
        var reader = QueryReader(parameters, allowed: Self.parameterNames)
        let state: WorkflowState? = reader.enumeration("state", kind: "workflow state")
        let limit = reader.limit(default: 50)
        try reader.check()
        try ListCursor.checkID(reader.value("cursor"))
        self.init(
            state: state, name: reader.value("name"), tenant: reader.value("tenant"), limit: limit, cursor: reader.value("cursor"))
    }
}
