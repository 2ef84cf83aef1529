import Foundation

/// `POST /v1/webhooks`.
public struct WebhookEndpointRequest: Codable, Sendable, Hashable {
    public var url: String
    public var events: [String]
    public var description: String?
    /// `whsec_` + base64 of at least 24 bytes; generated when absent.
    public var secret: String?
    public var ordered: Bool?
    public var maxConcurrency: Int?
    /// Admin only: the tenant whose events the endpoint receives.
    public var tenant: String?

    enum CodingKeys: String, CodingKey {
        case url, events, description, secret, ordered, tenant
        case maxConcurrency = "max_concurrency"
    }

    public init(
        url: String, events: [String], description: String? = nil, secret: String? = nil, ordered: Bool? = nil,
        maxConcurrency: Int? = nil, tenant: String? = nil
    ) {
        self.url = url
        self.events = events
        self.description = description
        self.secret = secret
        self.ordered = ordered
        self.maxConcurrency = maxConcurrency
        self.tenant = tenant
    }
}

/// `PATCH /v1/webhooks/{id}`: absent fields stay as they are. `enabled: true` re-enables
/// a disabled endpoint; its held deliveries go out from where they stopped.
public struct WebhookEndpointPatch: Codable, Sendable, Hashable {
    public var url: String?
    public var events: [String]?
    public var description: String?
    public var ordered: Bool?
    public var maxConcurrency: Int?
    public var enabled: Bool?

    enum CodingKeys: String, CodingKey {
        case url, events, description, ordered, enabled
        case maxConcurrency = "max_concurrency"
    }

    public init(
        url: String? = nil, events: [String]? = nil, description: String? = nil, ordered: Bool? = nil, maxConcurrency: Int? = nil,
        enabled: Bool? = nil
    ) {
        self.url = url
        self.events = events
        self.description = description
        self.ordered = ordered
        self.maxConcurrency = maxConcurrency
        self.enabled = enabled
    }
}

/// `POST /v1/webhooks/{id}/rotate-secret` (the body is optional).
public struct WebhookRotateRequest: Codable, Sendable, Hashable {
    /// The new secret; generated when absent.
    public var secret: String?
    /// How long the old secret keeps signing; the server's default (24 h) when absent.
    public var overlapSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case secret
        case overlapSeconds = "overlap_seconds"
    }

    public init(secret: String? = nil, overlapSeconds: Double? = nil) {
        self.secret = secret
        self.overlapSeconds = overlapSeconds
    }
}
