import Foundation

/// The body of `POST /v1/jobs/{id}/actions`.
public struct JobActionRequest: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Creates a new job linked to a finished one; `payload.payload` overrides fields of its payload.
        case rerun
        /// The same as `DELETE /v1/jobs/{id}`.
        case cancel
        /// Merges `payload` into the job's metadata (RFC 7396: null removes a key).
        case editMetadata = "edit_metadata"
    }

    public var type: Kind
    public var payload: JSONValue?

    public init(type: Kind, payload: JSONValue? = nil) {
        self.type = type
        self.payload = payload
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case type, payload }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try c.decode(String.self, forKey: .type)
        guard let kind = Kind(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c,
                debugDescription: "unknown action '\(raw)'; supported: \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        type = kind
        payload = try c.decodeIfPresent(JSONValue.self, forKey: .payload)
    }
}

/// `GET /v1/config/job-options`: what a client may submit.
public struct JobOptions: Codable, Sendable {
    public struct JobType: Codable, Sendable {
        public var type: String
        public var defaults: JobDefaults
    }

    public struct Action: Codable, Sendable {
        public var type: String
        public var description: String
        /// The job states in which the action is allowed.
        public var states: [JobState]
    }

    public var jobTypes: [JobType]
    public var queues: [String]
    public var actions: [Action]
    public var states: [JobState]

    enum CodingKeys: String, CodingKey {
        case queues, actions, states
        case jobTypes = "job_types"
    }
}
