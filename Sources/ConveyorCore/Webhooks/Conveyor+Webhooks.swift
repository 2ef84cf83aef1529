import Foundation

/// Outbound webhook endpoints and their delivery log, tenant-isolated like jobs: a
/// caller sees and manages only its own tenant's endpoints (admin: every tenant's), and
/// an endpoint receives only its own tenant's events.
extension Conveyor {
    public static func webhookNotFound(_ id: String) -> ConveyorError {
        ConveyorError(.notFound, "No webhook endpoint has id '\(id)'. Check the id, or list endpoints with GET /v1/webhooks.")
    }

    public static func deliveryNotFound(_ id: String) -> ConveyorError {
        ConveyorError(.notFound, "No webhook delivery has id '\(id)'. List an endpoint's deliveries with GET /v1/webhooks/{id}/deliveries.")
    }

    /// Creates an endpoint. The answer carries the secret in full; reads mask it.
    public func createWebhook(
        _ request: WebhookEndpointRequest, settings: WebhookSettings, as caller: Caller? = nil
    ) async throws -> WebhookEndpoint {
        try NULCharacters.check(request)
        let tenant = try caller?.tenant(forNew: request.tenant) ?? (request.tenant ?? Tenant.defaultID)
        var failures = Self.validateWebhook(
            url: request.url, events: request.events, maxConcurrency: request.maxConcurrency, settings: settings)
        if let secret = request.secret, WebhookSecret.key(secret) == nil {
            failures.append(ValidationFailure("secret", "must be whsec_ followed by the base64 of 24 to 64 random bytes"))
        }
        if let description = request.description, description.count > 1000 {
            failures.append(ValidationFailure("description", "must be at most 1000 characters"))
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        let now = clock.now()
        let ordered = request.ordered ?? false
        let endpoint = WebhookEndpoint(
            id: "wh_" + JobID.make(), tenant: tenant, url: request.url, events: request.events, description: request.description ?? "",
            secret: request.secret ?? WebhookSecret.generate(), ordered: ordered,
            maxConcurrency: ordered ? 1 : (request.maxConcurrency ?? 10), createdAt: now, updatedAt: now, createdBy: caller?.createdBy)
        return try await backend.webhooks.createWebhookEndpoint(endpoint)
    }

    static func validateWebhook(url: String?, events: [String]?, maxConcurrency: Int?, settings: WebhookSettings) -> [ValidationFailure] {
        var failures: [ValidationFailure] = []
        if let url {
            if url.utf8.count > 2000 {
                failures.append(ValidationFailure("url", "must be at most 2000 bytes"))
            } else if let refusal = settings.targets.refusal(url: url) {
                failures.append(ValidationFailure("url", refusal))
            }
        }
        if let events {
            if events.isEmpty || events.count > 100 { failures.append(ValidationFailure("events", "must list 1 to 100 topic filters")) }
            for (index, pattern) in events.enumerated() where (try? TopicFilter(pattern)) == nil {
                failures.append(
                    ValidationFailure("events[\(index)]", "'\(pattern)' is not a topic filter; give a topic (job.failed), a prefix ending in * (job.*), or *"))
            }
        }
        if let maxConcurrency, !(1...100).contains(maxConcurrency) {
            failures.append(ValidationFailure("max_concurrency", "must be between 1 and 100"))
        }
        return failures
    }

    /// The endpoint, secret masked; another tenant's is "not found".
    public func webhook(id: String, as caller: Caller? = nil) async throws -> WebhookEndpoint {
        try await accessibleWebhook(id: id, as: caller).masked()
    }

    func accessibleWebhook(id: String, as caller: Caller?) async throws -> WebhookEndpoint {
        guard let endpoint = try await backend.webhooks.webhookEndpoint(id: id), caller?.canAccess(tenant: endpoint.tenant) ?? true else {
            throw Self.webhookNotFound(id)
        }
        return endpoint
    }

    /// The caller's tenant's endpoints (admin: every tenant's), secrets masked.
    public func webhooks(as caller: Caller? = nil) async throws -> [WebhookEndpoint] {
        let tenant = caller.flatMap { $0.isAdmin ? nil : $0.tenant }
        return try await backend.webhooks.webhookEndpoints(tenant: tenant).map { $0.masked() }
    }

    public func updateWebhook(
        id: String, patch: WebhookEndpointPatch, settings: WebhookSettings, as caller: Caller? = nil
    ) async throws -> WebhookEndpoint {
        try NULCharacters.check(patch)
        var endpoint = try await accessibleWebhook(id: id, as: caller)
        let failures = Self.validateWebhook(url: patch.url, events: patch.events, maxConcurrency: patch.maxConcurrency, settings: settings)
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        if let url = patch.url { endpoint.url = url }
        if let events = patch.events { endpoint.events = events }
        if let description = patch.description { endpoint.description = description }
        if let ordered = patch.ordered { endpoint.ordered = ordered }
        if let maxConcurrency = patch.maxConcurrency { endpoint.maxConcurrency = maxConcurrency }
        if endpoint.ordered { endpoint.maxConcurrency = 1 }
        if let enabled = patch.enabled {
            if enabled && !endpoint.enabled {
                endpoint.consecutiveFailures = 0
                endpoint.disabledReason = nil
            } else if !enabled && endpoint.enabled {
                endpoint.disabledReason = "disabled by \(caller?.createdBy ?? "the application")"
            }
            endpoint.enabled = enabled
        }
        endpoint.updatedAt = clock.now()
        guard try await backend.webhooks.updateWebhookEndpoint(endpoint) else { throw Self.webhookNotFound(id) }
        await notifier.notify([.eventsAppended])
        return endpoint.masked()
    }

    public func deleteWebhook(id: String, as caller: Caller? = nil) async throws {
        _ = try await accessibleWebhook(id: id, as: caller)
        guard try await backend.webhooks.deleteWebhookEndpoint(id: id) else { throw Self.webhookNotFound(id) }
    }

    /// Replaces the secret. The old one keeps signing for the overlap, so receivers can
    /// switch without dropping a delivery. The answer carries the new secret in full.
    public func rotateWebhookSecret(
        id: String, request: WebhookRotateRequest, settings: WebhookSettings, as caller: Caller? = nil
    ) async throws -> WebhookEndpoint {
        var endpoint = try await accessibleWebhook(id: id, as: caller)
        var failures: [ValidationFailure] = []
        if let secret = request.secret, WebhookSecret.key(secret) == nil {
            failures.append(ValidationFailure("secret", "must be whsec_ followed by the base64 of 24 to 64 random bytes"))
        }
        if let overlap = request.overlapSeconds, !(0...(30 * 86400)).contains(overlap) {
            failures.append(ValidationFailure("overlap_seconds", "must be between 0 and 2592000 (30 days)"))
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        let now = clock.now()
        let overlap = request.overlapSeconds ?? settings.rotationOverlap.seconds
        endpoint.previousSecret = endpoint.secret
        endpoint.previousSecretExpiresAt = now.addingTimeInterval(overlap)
        endpoint.secret = request.secret ?? WebhookSecret.generate()
        endpoint.updatedAt = now
        guard try await backend.webhooks.updateWebhookEndpoint(endpoint) else { throw Self.webhookNotFound(id) }
        var shown = endpoint
        shown.previousSecret = nil
        return shown
    }

    /// The endpoint's deliveries with their attempts, newest first.
    public func webhookDeliveries(
        endpointID: String, cursor: String?, limit: Int, as caller: Caller? = nil
    ) async throws -> WebhookDeliveryPage {
        _ = try await accessibleWebhook(id: endpointID, as: caller)
        var after: Int64?
        if let cursor {
            guard let value = Int64(cursor), value > 0 else {
                throw ListCursor.invalid(cursor)
            }
            after = value
        }
        return try await backend.webhooks.webhookDeliveries(endpointID: endpointID, cursor: after, limit: min(max(limit, 1), 500))
    }

    /// Sends the delivery again, now, with a fresh retry schedule.
    public func redeliverWebhook(deliveryID: String, as caller: Caller? = nil) async throws -> WebhookDelivery {
        guard let delivery = try await backend.webhooks.webhookDelivery(id: deliveryID), caller?.canAccess(tenant: delivery.tenant) ?? true else {
            throw Self.deliveryNotFound(deliveryID)
        }
        guard let again = try await backend.webhooks.redeliverWebhook(id: delivery.id, now: clock.now()) else {
            throw Self.deliveryNotFound(deliveryID)
        }
        await notifier.notify([.eventsAppended])
        return again
    }
}
