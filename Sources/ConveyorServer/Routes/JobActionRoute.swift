import ConveyorCore
import Hummingbird

/// `POST /v1/jobs/{id}/actions`: `rerun`, `cancel` or `edit_metadata`.
struct JobActionRoute {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        routes.on(.post, "/v1/jobs/{id}/actions", use: act)
    }

    @Sendable func act(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let caller = try context.requireCaller()
        let action = try await JSONRequestBody.read(request, context: context).decode(JobActionRequest.self)
        switch action.type {
        case .rerun:
            let job = try await conveyor.rerun(id: id, payloadPatch: try Self.rerunPatch(action.payload), as: caller)
            return try .json(job, status: .created, headers: EnqueueRoute.location(of: job))
        case .cancel:
            return try await JobRoutes.cancel(id: id, as: caller, conveyor: conveyor)
        case .editMetadata:
            guard let patch = action.payload else {
                throw ConveyorError.invalid([
                    ValidationFailure("payload", "required for edit_metadata: an object of metadata fields to merge, e.g. {\"owner\":\"ops\"}; null removes a key")
                ])
            }
            return try .json(try await conveyor.editMetadata(id: id, patch: patch, as: caller))
        }
    }

    /// A rerun's `payload` is `{"payload": {...}}`: the inner object overrides fields of
    /// the original payload. Anything else in it is refused rather than ignored, so a
    /// client that forgot the nesting learns so instead of re-running with the old payload.
    static func rerunPatch(_ payload: JSONValue?) throws(ConveyorError) -> JSONValue? {
        guard let payload, payload != .null else { return nil }
        guard let object = payload.objectValue else {
            throw .invalid([ValidationFailure("payload", "must be an object such as {\"payload\":{...}}, whose payload overrides fields of the job's payload")])
        }
        if let unknown = object.keys.sorted().first(where: { $0 != "payload" }) {
            throw .invalid([ValidationFailure("payload.\(unknown)", "unknown field; rerun accepts only payload.payload, the fields to override")])
        }
        return object["payload"]
    }
}
