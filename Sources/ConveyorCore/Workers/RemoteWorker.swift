import Foundation

/// A worker process outside Conveyor (an SDK's `Worker`, a script speaking the pull
/// protocol) as the registry stores it. The ``secret`` signs the lease tokens the worker
/// is handed and never leaves the server otherwise.
public struct RemoteWorker: Sendable, Hashable {
    /// What the worker was told to do. `stale` is not stored: it is an `active` worker whose
    /// heartbeats stopped (``status(at:)``).
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case active
        /// Asked to stop claiming (Sidekiq's quiet); it finishes what it holds.
        case quiet
        /// Deregistered, or told to stop.
        case stopped
    }

    public var id: String
    public var tenant: String
    public var name: String
    public var host: String?
    public var sdk: String?
    /// Queue name to the most jobs the worker runs from it at once.
    public var queues: [String: Int]
    public var labels: [String: String]
    public var state: State
    public var secret: String
    public var leaseSeconds: Double
    public var heartbeatIntervalSeconds: Double
    /// Jobs the worker reported holding at its last heartbeat.
    public var running: Int
    public var startedAt: Date
    public var lastHeartbeatAt: Date

    public init(
        id: String, tenant: String, name: String, host: String?, sdk: String?, queues: [String: Int],
        labels: [String: String], state: State, secret: String, leaseSeconds: Double, heartbeatIntervalSeconds: Double,
        running: Int, startedAt: Date, lastHeartbeatAt: Date
    ) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.host = host
        self.sdk = sdk
        self.queues = queues
        self.labels = labels
        self.state = state
        self.secret = secret
        self.leaseSeconds = leaseSeconds
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.running = running
        self.startedAt = startedAt
        self.lastHeartbeatAt = lastHeartbeatAt
    }

    /// The heartbeats a worker may miss before it counts as stale.
    public static let missedHeartbeatsBeforeStale = 3.0

    /// The state as an operator sees it: an active or quiet worker that missed three
    /// heartbeats is `stale`. Its jobs come back when their leases expire.
    public func status(at now: Date) -> WorkerStatus {
        switch state {
        case .stopped: return .stopped
        case .active, .quiet:
            let silence = now.timeIntervalSince(lastHeartbeatAt)
            if silence > heartbeatIntervalSeconds * Self.missedHeartbeatsBeforeStale { return .stale }
            return state == .quiet ? .quiet : .active
        }
    }

    /// The `lease_owner` its jobs carry while it holds them.
    public var leaseOwner: String { "worker:\(id)" }
}

/// A worker's state in the registry (`GET /v1/workers`).
public enum WorkerStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case active, quiet, stale, stopped
}
