import ConveyorCore

extension HTTPJob.Payload {
    /// A header's value as written in a payload: a string, or `{"secret": "NAME"}` for the
    /// tenant's named secret, resolved at send time.
    struct HeaderValues {
        var literal: [String: String] = [:]
        /// Header name → secret name.
        var secrets: [String: String] = [:]

        /// Decodes `headers`, naming the header (`headers.<name>`) in any error.
        static func decode(from c: KeyedDecodingContainer<CodingKeys>) throws -> HeaderValues {
            var values = HeaderValues()
            guard let raw = try c.decodeIfPresent([String: JSONValue].self, forKey: .headers) else { return values }
            for (name, value) in raw.sorted(by: { $0.key < $1.key }) {
                func failure(_ message: String) -> DecodingError {
                    .dataCorrupted(.init(codingPath: c.codingPath + [CodingKeys.headers, HeaderKey(name)], debugDescription: message))
                }
                switch value {
                case .string(let text):
                    if let problem = HTTPJob.Payload.headerProblem(name: name, value: text) { throw failure(problem) }
                    values.literal[name] = text
                case .object(let object):
                    guard object.count == 1, case .string(let secret)? = object["secret"] else {
                        throw failure(#"must be a string, or {"secret": "NAME"} naming one of the tenant's secrets"#)
                    }
                    if let problem = HTTPJob.Payload.headerProblem(name: name, value: "") { throw failure(problem) }
                    if let problem = SecretName.problem(secret) { throw failure("the secret name \(problem)") }
                    values.secrets[name] = secret
                default:
                    throw failure(#"must be a string, or {"secret": "NAME"} naming one of the tenant's secrets"#)
                }
            }
            return values
        }

        /// The `headers` object as stored: literal values, and references as written.
        var encoded: [String: JSONValue] {
            var out = literal.mapValues { JSONValue.string($0) }
            for (name, secret) in secrets { out[name] = .object(["secret": .string(secret)]) }
            return out
        }
    }

    struct HeaderKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
