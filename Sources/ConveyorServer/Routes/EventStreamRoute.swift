import ConveyorCore
import Hummingbird

/// `GET /v1/events/stream`: the event log as Server-Sent Events, replayed from
/// `Last-Event-ID` (or `after`) and then live from the process's ``EventTailer``.
struct EventStreamRoute {
    let conveyor: Conveyor
    let tailer: EventTailer
    let keepAlive: Duration
    let bufferSize: Int
    /// The caps on open streams, per credential and in total.
    let slots: EventStreamSlots

    /// Events read from the log per replay step.
    static let replayPage = 500

    func register(in routes: inout RouteTable) {
        routes.on(.get, "/v1/events/stream", use: stream)
    }

    @Sendable func stream(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let parameters = try EventParameters(request.uri.queryParameters, allowed: ["after", "topic", "job_id", "workflow_id", "queue", "live"])
        // The header is what a browser's EventSource sends on reconnect; it wins over `after`.
        var resumeAfter = parameters.after
        if let header = request.headers[.init("Last-Event-ID")!], !header.isEmpty {
            guard let id = Int64(header), id >= 0 else {
                throw ConveyorError.invalid([ValidationFailure("Last-Event-ID", "'\(header)' is not an event id (a non-negative integer)")])
            }
            resumeAfter = id
        }
        // Counted before anything is read or subscribed: a refused stream costs nothing.
        let slot = try slots.acquire(for: "\(caller.tenant)/\(caller.createdBy)")
        let filter = EventFilter(
            topic: parameters.topic, tenant: caller.isAdmin ? nil : caller.tenant, key: parameters.key,
            queue: parameters.queue, workflowID: parameters.workflowID)
        // Subscribe first: live delivery then covers everything after `startAfter`, and the
        // replay covers up to it. Together: no gap, and no event twice.
        let subscription = try await tailer.subscribe(filter, bufferSize: bufferSize)
        // `live=false`: replay up to now, then close.
        if !parameters.live { subscription.finish() }
        var firstPage: EventPage?
        if let resumeAfter, resumeAfter < subscription.startAfter {
            // Read before the response starts, so a resume point behind the retention
            // window is still a 410 problem rather than a stream that ends.
            do {
                firstPage = try await conveyor.readEvents(filter.query(after: resumeAfter, limit: Self.replayPage), as: caller)
            } catch {
                subscription.finish()
                throw error
            }
        }
        let body = EventStreamBody(
            conveyor: conveyor, caller: caller, subscription: subscription, resumeAfter: resumeAfter,
            firstPage: firstPage, keepAlive: keepAlive, logger: context.logger, slot: slot)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        // Tells nginx not to buffer the stream.
        headers[.init("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in try await body.write(&writer) })
    }
}
