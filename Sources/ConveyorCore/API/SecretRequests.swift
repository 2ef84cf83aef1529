/// The body of `PUT /v1/secrets/{name}`: the value, which no answer ever repeats.
public struct PutSecretRequest: Codable, Sendable, Hashable {
    public var value: String

    public init(value: String) {
        self.value = value
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case value }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        value = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .value)
    }
}

/// The answer of `GET /v1/secrets`: names and times, never values.
public struct SecretList: Codable, Sendable, Hashable {
    public var secrets: [SecretInfo]

    public init(secrets: [SecretInfo]) {
        self.secrets = secrets
    }
}
