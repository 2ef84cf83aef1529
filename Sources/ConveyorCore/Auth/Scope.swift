/// A permission a credential carries. Every API route names the one scope it needs;
/// ``admin`` satisfies every requirement and acts across tenants.
///
/// A struct rather than an enum so scopes can be added (the worker scope bound to named
/// queues, say) without breaking anyone's `switch`, and so a credential minted by a newer
/// server still decodes here.
public struct Scope: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }

    public static let jobsRead = Scope("jobs:read")
    public static let jobsWrite = Scope("jobs:write")
    public static let workflowsRead = Scope("workflows:read")
    public static let workflowsWrite = Scope("workflows:write")
    public static let eventsRead = Scope("events:read")
    public static let eventsPublish = Scope("events:publish")
    public static let webhooksManage = Scope("webhooks:manage")
    public static let schedulesManage = Scope("schedules:manage")
    public static let queuesManage = Scope("queues:manage")
    /// The tenant's named secrets and its request-signing secret.
    public static let secretsManage = Scope("secrets:manage")
    /// Runs jobs as a remote worker: registers, claims, heartbeats and reports outcomes
    /// (docs/workers.md).
    public static let worker = Scope("worker")
    /// Every permission, over every tenant. Manages tenants and API keys.
    public static let admin = Scope("admin")

    /// The scopes this server understands. API keys may carry only these; a JWT's other
    /// scopes (`openid`, `profile`, another service's) are ignored.
    public static let known: [Scope] = [
        .jobsRead, .jobsWrite, .workflowsRead, .workflowsWrite, .eventsRead, .eventsPublish, .webhooksManage,
        .schedulesManage, .queuesManage, .secretsManage, .worker, .admin,
    ]

    public var isKnown: Bool { Self.known.contains(self) }
}

extension Scope: Codable {
    public init(from decoder: Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
