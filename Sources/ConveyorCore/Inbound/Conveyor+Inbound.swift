import Foundation

/// Inbound webhooks: the sources configured through the API, and appending a verified
/// delivery to the log. Verifying signatures is the server's job (it holds the crypto);
/// by the time ``receiveInbound(from:deliveryID:data:)`` runs the request is authentic.
extension Conveyor {
    /// Idempotency keys starting with this de-duplicate inbound deliveries; publishers may not use them.
    public static let inboundKeyPrefix = "inbound:"

    /// The idempotency key of a delivery: `inbound:<source>:<delivery id>`.
    public static func inboundIdempotencyKey(source: String, deliveryID: String) -> String {
        "\(inboundKeyPrefix)\(source):\(deliveryID)"
    }

    /// The replay key of a body: `inbound::<source>:<body digest>`. A source name is never
    /// empty, so no delivery's idempotency key has this shape; it starts with the reserved
    /// `inbound:`, so no publisher can use it.
    public static func inboundReplayKey(source: String, bodyDigest: String) -> String {
        "\(inboundKeyPrefix):\(source):\(bodyDigest)"
    }

    /// Creates or replaces a stored source. True when it was created.
    public func saveInboundSource(name: String, _ request: InboundSourceRequest) async throws -> (source: InboundSource, created: Bool) {
        let source = request.source(named: name, at: clock.now())
        let failures = source.problems + NULCharacters.failures(in: request)
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        return (source, try await backend.inbound.saveInboundSource(source))
    }

    public func inboundSources() async throws -> [InboundSource] {
        try await backend.inbound.inboundSources()
    }

    public func inboundSource(name: String) async throws -> InboundSource? {
        try await backend.inbound.inboundSource(name: name)
    }

    public func deleteInboundSource(name: String) async throws {
        guard try await backend.inbound.deleteInboundSource(name: name) else {
            throw ConveyorError(.notFound, "No inbound source is named '\(name)'. List them with GET /v1/inbound-sources.")
        }
    }

    /// Appends a verified delivery as an event on `inbound.<source>` in the source's tenant,
    /// keyed by the delivery id, through the same store path as `POST /v1/events`.
    ///
    /// The idempotency key `inbound:<source>:<delivery id>` makes a repeat return the first
    /// event with `created == false`, for as long as that event is retained. When the
    /// scheme does not sign the delivery id (all but Standard Webhooks), a captured body
    /// could come back under a new id: the body's digest is also a replay key, and the
    /// same body within `tolerance_seconds` of its first event is that event again.
    ///
    /// - Parameter bodyDigest: A hash of the raw body as received (`sha256:<hex>`).
    public func receiveInbound(
        from source: InboundSource, deliveryID: String, bodyDigest: String, data: JSONValue
    ) async throws -> PublishResult {
        var failures: [ValidationFailure] = []
        if deliveryID.isEmpty || deliveryID.utf8.count > 180 {
            failures.append(ValidationFailure("delivery_id", "must be 1–180 bytes"))
        }
        failures += NULCharacters.failures(in: data, under: "body")
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        let replayGuard =
            source.scheme.signsDeliveryID
            ? nil
            : ReplayGuard(
                key: Self.inboundReplayKey(source: source.name, bodyDigest: bodyDigest),
                since: clock.now().addingTimeInterval(-Double(source.toleranceSeconds)))
        let result = try await backend.events.appendEvent(
            NewEvent(
                topic: source.topic, key: deliveryID, tenant: source.tenant, data: data,
                idempotencyKey: Self.inboundIdempotencyKey(source: source.name, deliveryID: deliveryID), replayGuard: replayGuard))
        if result.created { await notifier.notify([.eventsAppended]) }
        return result
    }
}
