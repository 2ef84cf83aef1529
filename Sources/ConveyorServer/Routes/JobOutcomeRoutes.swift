import ConveyorCore
import Hummingbird

/// A remote worker reports how one attempt ended: `POST /v1/jobs/{id}/complete`, `…/fail`
/// and `…/snooze`, each with the attempt's `lease` token. A lease that is not held any
/// more answers 409 and changes nothing. See docs/workers.md.
struct JobOutcomeRoutes {
    let conveyor: Conveyor

    func register(in routes: inout RouteTable) {
        for kind in WorkerOutcomeRequest.Kind.allCases {
            routes.on(.post, "/v1/jobs/{id}/\(kind.rawValue)") { request, context in
                try await report(kind, request, context: context)
            }
        }
    }

    func report(_ kind: WorkerOutcomeRequest.Kind, _ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await JSONRequestBody.read(request, context: context).decode(WorkerOutcomeRequest.self)
        return try .json(try await conveyor.reportOutcome(kind, job: id, body, as: context.requireCaller()))
    }
}
