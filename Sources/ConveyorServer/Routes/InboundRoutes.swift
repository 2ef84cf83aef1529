import ConveyorCore
import Crypto
import Foundation
import Hummingbird

/// `POST /v1/inbound/{source}`: a verified inbound webhook becomes an event on
/// `inbound.<source>`. `PUT`, `GET` and `DELETE /v1/inbound-sources…`: the sources.
struct InboundRoutes {
    let conveyor: Conveyor
    /// Sources from the server's flags, by name; they win over stored ones.
    let configured: [String: InboundSource]

    init(conveyor: Conveyor, configured: [InboundSource]) {
        self.conveyor = conveyor
        self.configured = Dictionary(configured.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func register(in routes: inout RouteTable) {
        routes.on(.post, "/v1/inbound/{source}", use: receive)
        routes.on(.put, "/v1/inbound-sources/{source}", use: save)
        routes.on(.get, "/v1/inbound-sources", use: list)
        routes.on(.delete, "/v1/inbound-sources/{source}", use: delete)
    }

    func source(named name: String) async throws -> InboundSource? {
        if let source = configured[name] { return source }
        guard InboundSource.isValidName(name) else { return nil }
        return try await conveyor.inboundSource(name: name)
    }

    /// 202 with an ``InboundReceipt`` for a new delivery; 200 with the first event's
    /// receipt for a repeated delivery id; 401 (nothing stored) when the source is
    /// unknown or the request fails verification.
    @Sendable func receive(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let name = context.parameters.get("source") ?? ""
        // The raw bytes as received, bounded by the body limit (413 beyond it), verified
        // before anything parses them.
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let body = Array(buffer.readableBytesView)
        guard let source = try await source(named: name) else {
            context.logger.notice("inbound webhook refused", metadata: ["source": "\(name)", "reason": "unknown source"])
            throw ProblemError.inboundUnverified()
        }
        let headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        // By lower-case name; a repeated header's first value (a signature header is sent once).
        var byName: [String: String] = [:]
        for (name, value) in headers where byName[name] == nil { byName[name] = value }
        let verified = InboundVerifier.verify(
            source, header: { byName[$0.lowercased()] }, body: body, now: conveyor.clock.now())
        let deliveryID: String
        switch verified {
        case .success(let id):
            // Long ids are hashed so the idempotency key stays within its 255 bytes.
            deliveryID = id.utf8.count <= 180 ? id : "sha256:" + InboundVerifier.hex(Array(SHA256.hash(data: Array(id.utf8))))
        case .failure(let failure):
            context.logger.notice("inbound webhook refused", metadata: ["source": "\(name)", "reason": "\(failure)"])
            throw ProblemError.inboundUnverified()
        }
        let data = InboundEventData.make(source: source, headers: headers, body: body)
        let result = try await conveyor.receiveInbound(
            from: source, deliveryID: deliveryID, bodyDigest: InboundVerifier.bodyDigest(body), data: data)
        let receipt = InboundReceipt(eventID: result.event.id, topic: source.topic, deliveryID: deliveryID, duplicate: !result.created)
        return try .json(receipt, status: result.created ? .accepted : .ok)
    }

    /// 201 when created, 200 when replaced; the source comes back with its secret masked.
    @Sendable func save(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let name = context.parameters.get("source") ?? ""
        if configured[name] != nil { throw Self.configuredSource(name) }
        let body = try await JSONRequestBody.read(request, context: context).decode(InboundSourceRequest.self)
        let (source, created) = try await conveyor.saveInboundSource(name: name, body)
        context.logger.notice(
            "inbound source saved",
            metadata: ["source": "\(name)", "scheme": "\(source.scheme.rawValue)", "tenant": "\(source.tenant)", "by": "\(caller.createdBy)"])
        return try .json(source.masked, status: created ? .created : .ok)
    }

    @Sendable func list(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        let (limit, cursor) = try QueryReader.page(request)
        let stored = try await conveyor.inboundSources().filter { configured[$0.name] == nil }
        let page = try ListCursor.page(Array(configured.values) + stored, key: \.name, limit: limit, cursor: cursor)
        return try .json(InboundSourceList(sources: page.items.map(\.masked), nextCursor: page.nextCursor))
    }

    @Sendable func delete(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let name = context.parameters.get("source") ?? ""
        if configured[name] != nil { throw Self.configuredSource(name) }
        try await conveyor.deleteInboundSource(name: name)
        context.logger.notice("inbound source deleted", metadata: ["source": "\(name)", "by": "\(caller.createdBy)"])
        return Response(status: .noContent)
    }

    static func configuredSource(_ name: String) -> ProblemError {
        ProblemError(
            "conflict", title: "Source defined by configuration", status: .conflict,
            detail: "Inbound source '\(name)' comes from the server's --inbound-source flag; change it there, or choose another name.")
    }
}
