import Foundation

/// A registered handler with its payload type erased, so the engine can run any job
/// from its raw JSON.
public struct AnyJobHandler: Sendable {
    public let type: String
    public internal(set) var defaults: JobDefaults
    let execute: @Sendable (Data, JobContext) async throws -> JSONValue?
    let decodePayload: @Sendable (Data) throws -> Void
    let prepare: @Sendable (JSONValue, TenantSecrets) async throws -> JSONValue

    public init<H: JobHandler>(_ handler: H) {
        self.type = H.type
        self.defaults = H.defaults
        self.decodePayload = { data in try handler.validate(ConveyorJSON.decode(H.Payload.self, from: data)) }
        self.prepare = { payload, secrets in try await handler.prepareForStorage(payload, secrets: secrets) }
        self.execute = { data, context in
            let payload: H.Payload
            do {
                payload = try ConveyorJSON.decode(H.Payload.self, from: data)
            } catch {
                throw PayloadDecodingError(type: H.type, underlying: error)
            }
            let output = try await handler.run(payload, context: context)
            if let json = output as? JSONValue? { return json }
            return try ConveyorJSON.decode(JSONValue?.self, from: ConveyorJSON.encode(output))
        }
    }
}

/// The job's payload does not fit its handler's `Payload`: retrying cannot help.
public struct PayloadDecodingError: Error, CustomStringConvertible {
    public var type: String
    public var underlying: any Error
    public var description: String {
        "payload does not decode as \(type)'s payload: \(DecodingErrorDescription.describe(underlying))"
    }
}

/// The set of job types this process can run.
public struct JobRegistry: Sendable {
    public private(set) var handlers: [String: AnyJobHandler] = [:]

    public init() {}

    public mutating func register<H: JobHandler>(_ handler: H) {
        handlers[H.type] = AnyJobHandler(handler)
    }

    public func handler(for type: String) -> AnyJobHandler? { handlers[type] }

    /// Sets (or with nil, removes) the circuit breaker of a registered type, overriding
    /// its handler's default. Returns false when no handler has that type.
    @discardableResult
    public mutating func setCircuitBreaker(_ policy: CircuitBreakerPolicy?, for type: String) -> Bool {
        guard handlers[type] != nil else { return false }
        handlers[type]?.defaults.circuitBreaker = policy
        return true
    }

    public var types: [String] { handlers.keys.sorted() }
}

/// Turns Foundation's decoding errors into one line that names the field.
public enum DecodingErrorDescription {
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        switch error {
        case .keyNotFound(let key, let ctx):
            return "missing field '\(path(ctx.codingPath + [key]))'"
        case .typeMismatch(let type, let ctx):
            return "field '\(path(ctx.codingPath))' should be \(describe(type))"
        case .valueNotFound(let type, let ctx):
            return "field '\(path(ctx.codingPath))' is null, expected \(describe(type))"
        case .dataCorrupted(let ctx):
            let at = ctx.codingPath.isEmpty ? "" : "field '\(path(ctx.codingPath))': "
            return at + ctx.debugDescription
        @unknown default:
            return String(describing: error)
        }
    }

    /// The dotted path of the field a decoding error is about, if it names one.
    public static func fieldPath(_ error: any Error) -> String? {
        guard let error = error as? DecodingError else { return nil }
        let keys: [any CodingKey]
        switch error {
        case .keyNotFound(let key, let ctx): keys = ctx.codingPath + [key]
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx): keys = ctx.codingPath
        @unknown default: return nil
        }
        return keys.isEmpty ? nil : path(keys)
    }

    public static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let i = key.intValue {
                out += "[\(i)]"
            } else {
                out += (out.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return out.isEmpty ? "(body)" : out
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "a boolean"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return name
        }
    }
}
