import ConveyorCore

/// Workflows over HTTP, with the DTOs the server uses (``WorkflowRequest``, ``WorkflowStatus``).
extension ConveyorClient {
    /// Submits a workflow; it is validated as a whole (a 422 names the culprit field).
    public func submitWorkflow(_ request: WorkflowRequest) async throws -> WorkflowStatus {
        try await send(.POST, "/v1/workflows", body: request).decode(WorkflowStatus.self)
    }

    /// Submits a workflow built in Swift.
    public func submitWorkflow(_ workflow: Workflow) async throws -> WorkflowStatus {
        try await submitWorkflow(try workflow.request())
    }

    /// The workflow with its `step_details`.
    public func workflow(id: String) async throws -> WorkflowStatus {
        try await send(.GET, "/v1/workflows/\(PercentEncoding.encode(id))").decode(WorkflowStatus.self)
    }

    /// One page of workflows, newest first; pass the page's `nextCursor` back for the next one.
    public func listWorkflows(_ query: WorkflowQuery = WorkflowQuery()) async throws -> WorkflowPage {
        try await send(.GET, "/v1/workflows", query: query.queryItems).decode(WorkflowPage.self)
    }

    /// Cancels a running workflow: pending steps will not run, running ones are asked to stop.
    public func cancelWorkflow(id: String) async throws -> WorkflowStatus {
        try await send(.DELETE, "/v1/workflows/\(PercentEncoding.encode(id))").decode(WorkflowStatus.self)
    }

    /// Re-runs a failed or cancelled workflow's failed and cancelled steps and their dependents.
    public func retryWorkflow(id: String) async throws -> WorkflowStatus {
        try await send(.POST, "/v1/workflows/\(PercentEncoding.encode(id))/retry").decode(WorkflowStatus.self)
    }
}

extension WorkflowQuery {
    /// The query parameters of `GET /v1/workflows`, leaving out filters that are not set.
    var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        func add(_ name: String, _ value: String?) {
            if let value { items.append((name, value)) }
        }
        add("state", state?.rawValue)
        add("name", name)
        add("tenant", tenant)
        add("limit", String(limit))
        add("cursor", cursor)
        return items
    }
}
