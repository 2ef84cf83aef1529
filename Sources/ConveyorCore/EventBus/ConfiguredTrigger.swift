import Foundation

/// A trigger from the server's configuration (`--trigger entry.saved=index_entry`).
///
/// Its id is derived from its content, so every node and every restart agree on it: the
/// trigger (and its consumer group's cursor) survives restarts, and a trigger removed
/// from the configuration is deleted at the next start.
public struct ConfiguredTrigger: Sendable, Hashable {
    public var topic: String
    public var jobType: String
    public var tenant: String

    public init(topic: String, jobType: String, tenant: String = Tenant.defaultID) {
        self.topic = topic
        self.jobType = jobType
        self.tenant = tenant
    }

    /// Parses `TOPIC=JOB_TYPE`.
    public init(parsing spec: String) throws(ConveyorError) {
        let parts = spec.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .invalid([ValidationFailure("trigger", "'\(spec)' is not TOPIC=JOB_TYPE, e.g. entry.saved=index_entry")])
        }
        self.init(topic: parts[0], jobType: parts[1])
    }

    /// `config-` and a 64-bit FNV-1a hash of the content, in hex.
    public var id: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(tenant)\u{1}\(topic)\u{1}\(jobType)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "config-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    func trigger(at now: Date) -> Trigger {
        Trigger(id: id, tenant: tenant, topic: topic, job: TriggerJob(type: jobType), source: "config", createdAt: now, createdBy: "config")
    }
}
