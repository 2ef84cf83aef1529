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

    /// Reads the query string of `GET /v1/workflows`, refusing unknown parameters as
    /// `GET /v1/jobs` does.
    init(parameters: Parameters) throws(ConveyorError) {
        var failures: [ValidationFailure] = []
        for (name, _) in parameters where !Self.parameterNames.contains(String(name)) {
            failures.append(
                ValidationFailure(String(name), "unknown query parameter; allowed: \(Self.parameterNames.joined(separator: ", "))"))
        }
        func value(_ name: String) -> String? {
            guard let text = parameters.get(name), !text.isEmpty else { return nil }
            return text
        }
        var state: WorkflowState?
        if let text = value("state") {
            state = WorkflowState(rawValue: text)
            if state == nil {
                failures.append(
                    ValidationFailure(
                        "state", "'\(text)' is not a workflow state; use one of \(WorkflowState.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        var limit = 50
        if let text = value("limit") {
            if let number = Int(text), JobQuery.limitRange.contains(number) {
                limit = number
            } else {
                failures.append(ValidationFailure("limit", "'\(text)' is not an integer between 1 and 1000"))
            }
        }
        guard failures.isEmpty else { throw .invalid(failures) }
        self.init(state: state, name: value("name"), tenant: value("tenant"), limit: limit, cursor: value("cursor"))
    }
}
