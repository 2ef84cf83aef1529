import ConveyorCore
import Logging
import PostgresNIO
import Synchronization

/// Leader election through a lease row: the node whose row has not expired leads.
///
/// Expiry is judged by the database's clock, so nodes' clocks need not agree. A leader
/// renews three times per lease period, and stops leading on its own once it has gone
/// two thirds of a period without a renewal: by the time another node can take the
/// row, the old leader has already stopped. A crashed leader is replaced within one
/// lease period plus one retry interval; one that shuts down hands over at once.
public final class PostgresLeaderElector: LeaderElector {
    private let client: PostgresClient
    private let role: String
    private let holder: String
    private let lease: Duration
    private let logger: Logger

    private enum Renewal {
        case held
        case takenByAnother
        case unknown
    }

    public init(client: PostgresClient, holder: String, role: String = "maintenance", lease: Duration = .seconds(10), logger: Logger) {
        self.client = client
        self.role = role
        self.holder = holder
        self.lease = lease
        self.logger = logger
    }

    public func whileLeader(_ lead: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            if await attempt() == .held {
                logger.notice("this node now leads", metadata: ["role": "\(role)", "holder": "\(holder)"])
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await lead() }
                    group.addTask { await self.keepLease() }
                    // Either the lease was lost or we are shutting down: stop leading.
                    _ = await group.next()
                    group.cancelAll()
                }
                if !Task.isCancelled {
                    logger.warning("this node lost leadership", metadata: ["role": "\(role)"])
                }
            }
            try? await Task.sleep(for: lease / 3 * Double.random(in: 0.8...1.2))
        }
        // Our task is cancelled by now; resign from a fresh one so the query can run.
        await Task { await self.resign() }.value
    }

    /// Renews until the lease is lost; returns then (or when cancelled).
    private func keepLease() async {
        var renewed = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: lease / 3)
            if Task.isCancelled { return }
            switch await attempt() {
            case .held: renewed = .now
            case .takenByAnother: return
            case .unknown:
                if renewed.duration(to: .now) > lease * 2 / 3 { return }
            }
        }
    }

    /// Takes the row if it is free or expired, or extends it if it is ours.
    private func attempt() async -> Renewal {
        let (seconds, role, holder, client, logger) = (lease.seconds, role, holder, client, logger)
        do {
            try await ensureTable()
            // A query lost with its connection must not outlive the lease it renews.
            let held = try await withDeadline(lease / 3, "leader election") {
                let rows = try await client.query(
                    """
                    INSERT INTO conveyor_leaders (role, holder, expires_at)
                    VALUES (\(role), \(holder), now() + make_interval(secs => \(seconds)))
                    ON CONFLICT (role) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
                    WHERE conveyor_leaders.holder = EXCLUDED.holder OR conveyor_leaders.expires_at < now()
                    RETURNING holder
                    """, logger: logger)
                for try await _ in rows { return true }
                return false
            }
            return held ? .held : .takenByAnother
        } catch {
            logger.loopFailure("leader election failed", error: error)
            return .unknown
        }
    }

    private func resign() async {
        let (role, holder, client, logger) = (role, holder, client, logger)
        do {
            try await withDeadline(.seconds(5), "resigning leadership") {
                _ = try await client.query(
                    "DELETE FROM conveyor_leaders WHERE role = \(role) AND holder = \(holder)", logger: logger)
            }
        } catch {
            logger.warning("giving up leadership failed; it expires by itself", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    private func ensureTable() async throws {
        guard !tableReady.withLock({ $0 }) else { return }
        let (logger, client) = (self.logger, self.client)
        try await withDeadline(.seconds(10), "creating the leader table") {
            try await client.withTransaction(logger: logger) { connection in
                // The lock keeps two nodes' first CREATE from racing on the catalog.
                _ = try await connection.query("SELECT pg_advisory_xact_lock(7415530001)", logger: logger)
                _ = try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS conveyor_leaders (
                        role text PRIMARY KEY, holder text NOT NULL, expires_at timestamptz NOT NULL)
                    """, logger: logger)
            }
        }
        tableReady.withLock { $0 = true }
    }

    private let tableReady = Mutex(false)
}
