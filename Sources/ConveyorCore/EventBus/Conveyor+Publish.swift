import Foundation

/// Publishing custom events into the log, and the topic schemas they must match.
extension Conveyor {
    /// Appends a custom event to the log. Its `type` is its topic.
    ///
    /// The event goes to the caller's tenant (an admin may name another). Its data must
    /// match the topic's registered schema, if any; otherwise nothing is appended and the
    /// failures name the fields (`data.title`).
    public func publish(_ request: PublishEventRequest, as caller: Caller? = nil) async throws -> PublishResult {
        let tenant = try caller?.tenant(forNew: request.tenant) ?? request.tenant ?? Tenant.defaultID
        var failures = EventTopic.problems(request.topic)
        let key = request.key ?? ""
        if key.utf8.count > 255 { failures.append(ValidationFailure("key", "must be at most 255 bytes")) }
        if let idempotencyKey = request.idempotencyKey, idempotencyKey.isEmpty || idempotencyKey.utf8.count > 255 {
            failures.append(ValidationFailure("idempotency_key", "must be 1–255 bytes"))
        }
        if let idempotencyKey = request.idempotencyKey, idempotencyKey.hasPrefix(Self.inboundKeyPrefix) {
            failures.append(
                ValidationFailure("idempotency_key", "must not start 'inbound:': those keys de-duplicate inbound webhook deliveries"))
        }
        let data = request.data ?? .object([:])
        failures += NULCharacters.failures(in: request)
        if !EnqueueRequest.isValidName(tenant) {
            failures.append(ValidationFailure("tenant", "must be 1–100 characters of letters, digits, '_', '-', '.' or ':'"))
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        try await checkEventSize(data, tenant: tenant)
        if let registered = try await backend.eventBus.topicSchema(request.topic) {
            // Compiled per publish: a schema changed on another node applies at once, and
            // compiling the supported subset costs little next to the write.
            let (failures, omitted) = try JSONSchema(registered.schema, refusingUnboundedPatterns: false)
                .validate(data, limit: ValidationFailure.listLimit)
            guard failures.isEmpty else {
                let source = " (the schema of topic '\(request.topic)': GET /v1/topics/\(request.topic)/schema)"
                throw ConveyorError.invalid(failures.map { ValidationFailure($0.field, $0.message + source) }, omitted: omitted)
            }
        }
        let result = try await backend.events.appendEvent(
            NewEvent(topic: request.topic, key: key, tenant: tenant, data: data, idempotencyKey: request.idempotencyKey))
        if result.created { await notifier.notify([.eventsAppended]) }
        return result
    }

    /// Publishes from Swift: `data` is any `Encodable`.
    @discardableResult
    public func publish(topic: String, key: String? = nil, data: some Encodable & Sendable, tenant: String? = nil) async throws -> LogEvent {
        let json = try ConveyorJSON.decode(JSONValue.self, from: ConveyorJSON.encode(data))
        return try await publish(PublishEventRequest(topic: topic, key: key, data: json, tenant: tenant)).event
    }

    /// The tenant's `max_payload_bytes` bounds event data as it bounds job payloads.
    private func checkEventSize(_ data: JSONValue, tenant: String) async throws {
        guard let credentials, let limit = try await credentials.tenant(id: tenant)?.limits.maxPayloadBytes else { return }
        let size = try ConveyorJSON.encode(data).count
        if size > limit {
            throw ConveyorError(
                .tooLarge,
                "data is \(size) bytes; tenant '\(tenant)' accepts payloads of at most \(limit) bytes. Publish a reference to large data instead.")
        }
    }

    // MARK: Topic schemas

    /// Registers (or replaces) the JSON Schema every event on `topic` must match. A
    /// schema using a keyword Conveyor does not enforce is refused, naming it.
    public func saveTopicSchema(topic: String, schema: JSONValue) async throws -> (schema: TopicSchema, created: Bool) {
        var failures = EventTopic.problems(topic) + NULCharacters.failures(in: schema, under: "schema")
        do throws(ConveyorError) {
            _ = try JSONSchema(schema)
        } catch {
            failures += error.failures
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        let saved = TopicSchema(topic: topic, schema: schema, updatedAt: clock.now())
        return (saved, try await backend.eventBus.saveTopicSchema(saved))
    }

    public func topicSchema(topic: String) async throws -> TopicSchema {
        guard let schema = try await backend.eventBus.topicSchema(topic) else { throw Self.noSchema(topic) }
        return schema
    }

    public func deleteTopicSchema(topic: String) async throws {
        guard try await backend.eventBus.deleteTopicSchema(topic) else { throw Self.noSchema(topic) }
    }

    private static func noSchema(_ topic: String) -> ConveyorError {
        ConveyorError(
            .notFound,
            "Topic '\(topic)' has no registered schema, so any data is accepted. Register one with PUT /v1/topics/\(topic)/schema.")
    }
}
