import Foundation

/// How an inbound webhook source proves a request came from it.
public enum InboundScheme: String, Codable, Sendable, Hashable, CaseIterable {
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp` and `webhook-signature`
    /// (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the base64 secret
    /// after `whsec_`).
    case standardWebhooks = "standard-webhooks"
    /// An HMAC-SHA256 of the raw body in one header (GitHub's `X-Hub-Signature-256`,
    /// Notion's `X-Notion-Signature`), keyed by the secret's UTF-8 bytes. Neither the
    /// delivery id nor a timestamp is signed, so a captured request can be sent again:
    /// see ``signsDeliveryID`` and docs/inbound-webhooks.md.
    case hmacSHA256 = "hmac-sha256"
    /// Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">[,v1=…]`,
    /// keyed by the secret's UTF-8 bytes (`whsec_…` as a whole). The timestamp is signed.
    case stripe
    /// Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:timestamp:body">` with the
    /// time in `X-Slack-Request-Timestamp`, keyed by the signing secret's UTF-8 bytes.
    case slack

    /// True when the signature covers the delivery id, so a captured request cannot come
    /// back under a new id (Standard Webhooks signs `webhook-id`). For every other scheme
    /// the id is unsigned or absent, and deliveries are also de-duplicated by a hash of the
    /// body within the source's tolerance window.
    public var signsDeliveryID: Bool { self == .standardWebhooks }

    /// True when the signature covers a timestamp checked against the tolerance, so a
    /// captured request stops verifying once the window has passed.
    public var signsTimestamp: Bool { self != .hmacSHA256 }
}

/// How an `hmac-sha256` signature header encodes the MAC.
public enum InboundEncoding: String, Codable, Sendable, Hashable, CaseIterable {
    case hex
    case base64
}

/// A configured sender of inbound webhooks: `POST /v1/inbound/{name}` turns its verified
/// requests into events on topic `inbound.<name>` of its tenant.
public struct InboundSource: Codable, Sendable, Hashable {
    public static let defaultTolerance = 300

    public var name: String
    public var scheme: InboundScheme
    /// Write-only through the API: responses carry ``masked`` instead.
    public var secret: String
    public var tenant: String
    /// `hmac-sha256`: the header carrying the signature, lower-cased (e.g. `x-hub-signature-256`).
    public var signatureHeader: String?
    /// `hmac-sha256`: hex (the default) or base64.
    public var encoding: InboundEncoding?
    /// `hmac-sha256`: text the header carries before the MAC, such as `sha256=`.
    public var prefix: String?
    /// `hmac-sha256`: a header carrying the send time in Unix seconds, checked against the
    /// tolerance. The scheme does not sign it: it refuses stale senders, not replays.
    public var timestampHeader: String?
    /// Seconds a timestamp may differ from the server's clock; for schemes that do not sign
    /// the delivery id, also the window in which a repeated body is a duplicate.
    public var toleranceSeconds: Int
    /// `hmac-sha256`: the header naming the delivery (e.g. `x-github-delivery`); without
    /// one, deliveries are told apart by a hash of the body.
    public var idHeader: String?
    /// `api` (stored in the database) or `config` (a `--inbound-source` flag).
    public var origin: String
    public var updatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case name, scheme, secret, tenant, encoding, prefix, origin
        case signatureHeader = "signature_header"
        case timestampHeader = "timestamp_header"
        case toleranceSeconds = "tolerance_seconds"
        case idHeader = "id_header"
        case updatedAt = "updated_at"
    }

    public init(
        name: String, scheme: InboundScheme, secret: String, tenant: String = Tenant.defaultID, signatureHeader: String? = nil,
        encoding: InboundEncoding? = nil, prefix: String? = nil, timestampHeader: String? = nil,
        toleranceSeconds: Int = InboundSource.defaultTolerance, idHeader: String? = nil, origin: String = "api", updatedAt: Date? = nil
    ) {
        self.name = name
        self.scheme = scheme
        self.secret = secret
        self.tenant = tenant
        self.signatureHeader = signatureHeader?.lowercased()
        self.encoding = encoding
        self.prefix = prefix
        self.timestampHeader = timestampHeader?.lowercased()
        self.toleranceSeconds = toleranceSeconds
        self.idHeader = idHeader?.lowercased()
        self.origin = origin
        self.updatedAt = updatedAt
    }

    /// The topic its events go to.
    public var topic: String { "inbound.\(name)" }

    /// The source as the API shows it: the secret replaced by `********`.
    public var masked: InboundSource {
        var copy = self
        copy.secret = "********"
        return copy
    }

    /// The secret as HMAC key bytes: for Standard Webhooks the base64 after `whsec_`,
    /// otherwise the secret's UTF-8 bytes (Stripe's `whsec_…` included, as Stripe signs).
    /// Nil when a Standard Webhooks secret is not base64.
    public var keyBytes: [UInt8]? {
        switch scheme {
        case .hmacSHA256, .stripe, .slack:
            return Array(secret.utf8)
        case .standardWebhooks:
            let text = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
            guard let data = Data(base64Encoded: text), !data.isEmpty else { return nil }
            return Array(data)
        }
    }

    /// Letters, digits, `_` and `-`, 1–64: safe in a URL path and in a topic.
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64 else { return false }
        return name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
        }
    }

    /// An HTTP header name (RFC 9110 token characters).
    static func isValidHeaderName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 100 else { return false }
        return name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }

    /// Every problem with the source's settings, fields named as in ``InboundSourceRequest``.
    public var problems: [ValidationFailure] {
        var failures: [ValidationFailure] = []
        if !Self.isValidName(name) { failures.append(ValidationFailure("source", "must be 1–64 letters, digits, '_' or '-', e.g. github")) }
        if secret.isEmpty || secret.utf8.count > 1000 { failures.append(ValidationFailure("secret", "must be 1–1000 bytes")) }
        if scheme == .standardWebhooks, !secret.isEmpty, keyBytes == nil {
            failures.append(ValidationFailure("secret", "must be whsec_ followed by base64, as the sender shows it"))
        }
        if !EnqueueRequest.isValidName(tenant) {
            failures.append(ValidationFailure("tenant", "must be 1–100 characters of letters, digits, '_', '-', '.' or ':'"))
        }
        if !(1...86_400).contains(toleranceSeconds) {
            failures.append(ValidationFailure("tolerance_seconds", "must be 1–86400"))
        }
        for (field, value) in [("signature_header", signatureHeader), ("timestamp_header", timestampHeader), ("id_header", idHeader)] {
            if let value, !Self.isValidHeaderName(value) { failures.append(ValidationFailure(field, "must be an HTTP header name")) }
        }
        if let prefix, prefix.utf8.count > 100 { failures.append(ValidationFailure("prefix", "must be at most 100 bytes")) }
        switch scheme {
        case .hmacSHA256:
            if signatureHeader == nil {
                failures.append(ValidationFailure("signature_header", "is required for hmac-sha256, e.g. x-hub-signature-256"))
            }
        case .standardWebhooks, .stripe, .slack:
            let unused = [
                ("signature_header", signatureHeader != nil), ("encoding", encoding != nil), ("prefix", prefix != nil),
                ("timestamp_header", timestampHeader != nil), ("id_header", idHeader != nil),
            ]
            for (field, set) in unused where set {
                failures.append(ValidationFailure(field, "applies to hmac-sha256 only: \(scheme.rawValue) uses its own fixed headers"))
            }
        }
        return failures
    }
}

/// The body of `PUT /v1/inbound-sources/{source}`.
///
/// ```json
/// {"scheme": "hmac-sha256", "secret": "…", "signature_header": "x-hub-signature-256",
///  "encoding": "hex", "prefix": "sha256=", "id_header": "x-github-delivery", "tenant": "acme"}
/// ```
public struct InboundSourceRequest: Codable, Sendable, Hashable {
    public var scheme: InboundScheme
    public var secret: String
    public var tenant: String?
    public var signatureHeader: String?
    public var encoding: InboundEncoding?
    public var prefix: String?
    public var timestampHeader: String?
    public var toleranceSeconds: Int?
    public var idHeader: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case scheme, secret, tenant, encoding, prefix
        case signatureHeader = "signature_header"
        case timestampHeader = "timestamp_header"
        case toleranceSeconds = "tolerance_seconds"
        case idHeader = "id_header"
    }

    public init(
        scheme: InboundScheme, secret: String, tenant: String? = nil, signatureHeader: String? = nil, encoding: InboundEncoding? = nil,
        prefix: String? = nil, timestampHeader: String? = nil, toleranceSeconds: Int? = nil, idHeader: String? = nil
    ) {
        self.scheme = scheme
        self.secret = secret
        self.tenant = tenant
        self.signatureHeader = signatureHeader
        self.encoding = encoding
        self.prefix = prefix
        self.timestampHeader = timestampHeader
        self.toleranceSeconds = toleranceSeconds
        self.idHeader = idHeader
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scheme = try c.decode(InboundScheme.self, forKey: .scheme)
        secret = try c.decode(String.self, forKey: .secret)
        tenant = try c.decodeIfPresent(String.self, forKey: .tenant)
        signatureHeader = try c.decodeIfPresent(String.self, forKey: .signatureHeader)
        encoding = try c.decodeIfPresent(InboundEncoding.self, forKey: .encoding)
        prefix = try c.decodeIfPresent(String.self, forKey: .prefix)
        timestampHeader = try c.decodeIfPresent(String.self, forKey: .timestampHeader)
        toleranceSeconds = try c.decodeIfPresent(Int.self, forKey: .toleranceSeconds)
        idHeader = try c.decodeIfPresent(String.self, forKey: .idHeader)
    }

    /// The source this request describes.
    public func source(named name: String, origin: String = "api", at now: Date? = nil) -> InboundSource {
        InboundSource(
            name: name, scheme: scheme, secret: secret, tenant: tenant ?? Tenant.defaultID, signatureHeader: signatureHeader,
            encoding: encoding, prefix: prefix, timestampHeader: timestampHeader,
            toleranceSeconds: toleranceSeconds ?? InboundSource.defaultTolerance, idHeader: idHeader, origin: origin, updatedAt: now)
    }
}

/// `GET /v1/inbound-sources`: every source, secrets masked.
public struct InboundSourceList: Codable, Sendable, Hashable {
    public var sources: [InboundSource]
    /// The cursor of the next page; absent on the last.
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case sources
        case nextCursor = "next_cursor"
    }

    public init(sources: [InboundSource], nextCursor: String? = nil) {
        self.sources = sources
        self.nextCursor = nextCursor
    }
}

/// What `POST /v1/inbound/{source}` answers: 202 for a new delivery, 200 for a repeat.
public struct InboundReceipt: Codable, Sendable, Hashable {
    /// The event's id in the log (the first event's, for a repeat).
    public var eventID: Int64
    public var topic: String
    public var deliveryID: String
    /// True when this delivery id was accepted before: nothing new was appended.
    public var duplicate: Bool

    enum CodingKeys: String, CodingKey {
        case topic, duplicate
        case eventID = "event_id"
        case deliveryID = "delivery_id"
    }

    public init(eventID: Int64, topic: String, deliveryID: String, duplicate: Bool) {
        self.eventID = eventID
        self.topic = topic
        self.deliveryID = deliveryID
        self.duplicate = duplicate
    }
}
