import Foundation

/// The body of `POST /v1/api-keys`.
public struct CreateAPIKeyRequest: Codable, Sendable, Hashable {
    public var name: String
    public var tenant: String
    public var scopes: [Scope]
    /// Left out: the key never expires (it can still be revoked).
    public var expiresAt: Date?

    public init(name: String, tenant: String, scopes: [Scope], expiresAt: Date? = nil) {
        self.name = name
        self.tenant = tenant
        self.scopes = scopes
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, tenant, scopes
        case expiresAt = "expires_at"
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        tenant = try c.decode(String.self, forKey: .tenant)
        scopes = try c.decode([Scope].self, forKey: .scopes)
        expiresAt = try c.decodeIfPresent(Date.self, forKey: .expiresAt)
    }

    /// Every problem at once, each naming its field. Unknown scopes are refused: a key
    /// with a typo'd scope would fail every request it was made for.
    public func validate(now: Date) throws(ConveyorError) {
        var failures = NULCharacters.failures(in: self)
        if name.isEmpty || name.utf8.count > 200 {
            failures.append(ValidationFailure("name", "must be 1–200 bytes"))
        }
        if !EnqueueRequest.isValidName(tenant) {
            failures.append(ValidationFailure("tenant", "must be 1–100 characters of letters, digits, '_', '-', '.' or ':'"))
        }
        if scopes.isEmpty {
            failures.append(ValidationFailure("scopes", "must list at least one scope: \(Scope.known.map(\.rawValue).joined(separator: ", "))"))
        }
        for (index, scope) in scopes.enumerated() where !scope.isKnown {
            failures.append(
                ValidationFailure("scopes[\(index)]", "unknown scope '\(scope.rawValue)'; use one of \(Scope.known.map(\.rawValue).joined(separator: ", "))"))
        }
        if let expiresAt, expiresAt <= now {
            failures.append(ValidationFailure("expires_at", "must be in the future"))
        }
        guard failures.isEmpty else { throw .invalid(failures) }
    }
}

/// The answer to `POST /v1/api-keys`: the stored key and, this once, its secret.
public struct CreatedAPIKey: Codable, Sendable, Hashable {
    public var apiKey: APIKey
    /// `cvk_...`: send it as `Authorization: Bearer cvk_...`. It is not stored and
    /// cannot be shown again.
    public var secret: String

    public init(apiKey: APIKey, secret: String) {
        self.apiKey = apiKey
        self.secret = secret
    }

    enum CodingKeys: String, CodingKey {
        case secret = "key"
    }

    // The key's own fields plus `key`, flat, so the answer reads like a listed key
    // that happens to carry its secret.
    public init(from decoder: Decoder) throws {
        apiKey = try APIKey(from: decoder)
        secret = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .secret)
    }

    public func encode(to encoder: Encoder) throws {
        try apiKey.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(secret, forKey: .secret)
    }
}

/// The body of `PATCH /v1/api-keys/{id}`: sets or clears the expiry, e.g. to let an old
/// key lapse a day after its replacement is rolled out.
public struct UpdateAPIKeyRequest: Codable, Sendable, Hashable {
    /// Null clears the expiry.
    public var expiresAt: Date?

    public init(expiresAt: Date?) {
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case expiresAt = "expires_at"
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Required, even as null, so an empty body does not clear an expiry by accident.
        guard c.contains(.expiresAt) else {
            throw DecodingError.keyNotFound(
                CodingKeys.expiresAt,
                .init(codingPath: decoder.codingPath, debugDescription: "give expires_at: a time, or null for no expiry"))
        }
        expiresAt = try c.decodeIfPresent(Date.self, forKey: .expiresAt)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(expiresAt, forKey: .expiresAt)
    }
}

/// `GET /v1/api-keys`.
public struct APIKeyList: Codable, Sendable {
    public var apiKeys: [APIKey]

    public init(apiKeys: [APIKey]) {
        self.apiKeys = apiKeys
    }

    enum CodingKeys: String, CodingKey {
        case apiKeys = "api_keys"
    }
}

/// `GET /v1/whoami`: what the server made of the request's credential.
public struct WhoAmI: Codable, Sendable, Hashable {
    public var tenant: String
    public var scopes: [Scope]
    /// What is recorded as `created_by` on what this caller creates.
    public var subject: String
    /// `dev`, `api_key` or `jwt`.
    public var credential: String

    public init(caller: Caller) {
        tenant = caller.tenant
        scopes = caller.scopes.sorted()
        subject = caller.createdBy
        switch caller.credential {
        case .development: credential = "dev"
        case .apiKey: credential = "api_key"
        case .token: credential = "jwt"
        }
    }
}
