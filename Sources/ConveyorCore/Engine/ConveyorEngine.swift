import Foundation
import Logging
import ServiceLifecycle

/// Runs the worker pools and the maintenance services as one `Service`.
///
/// At shutdown each pool stops claiming, drains, and writes every outcome before
/// `run()` returns. The maintenance services stop at the start of shutdown.
public final class ConveyorEngine: Service {
    public let conveyor: Conveyor
    public let queues: [QueueWorkerConfiguration]
    public let maintenance: MaintenanceConfiguration
    /// Picks the one node that runs the stager, pruner, workflow advancer and cron scheduler
    /// (the lease reaper runs on every node).
    public let elector: any LeaderElector
    /// Applies migrations before the workers start, retrying while the store is unreachable.
    public let migrateOnStart: Bool
    /// Names this process in leases, so an operator can tell which node holds a job.
    public let owner: String
    /// Queue settings applied before the workers start (the config file's).
    public let queueSettings: ConfiguredQueues?

    public init(
        conveyor: Conveyor, queues: [QueueWorkerConfiguration], maintenance: MaintenanceConfiguration = .init(),
        elector: any LeaderElector = SoleLeader(), migrateOnStart: Bool = false,
        owner: String = ConveyorEngine.defaultOwner(), queueSettings: ConfiguredQueues? = nil
    ) {
        self.queueSettings = queueSettings
        self.conveyor = conveyor
        self.queues = queues
        self.maintenance = maintenance
        self.elector = elector
        self.migrateOnStart = migrateOnStart
        self.owner = owner
    }

    public static func defaultOwner() -> String {
        let host = ProcessInfo.processInfo.hostName
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(JobID.make().suffix(6))"
    }

    public func run() async throws {
        let c = conveyor
        c.logger.info(
            "engine starting",
            metadata: [
                "owner": "\(owner)",
                "queues": "\(queues.map { "\($0.queue)=\($0.concurrency)" }.joined(separator: ","))",
            ])
        if migrateOnStart {
            guard await retrying("migrating the store", { try await c.backend.lifecycle.migrate() }) else { return }
        }
        if let queueSettings {
            // Before any claim: a claim of a queue without its settings takes the plain
            // path, and would start every job of a key whose cap is not written yet.
            let applied = await retrying("applying the config file's queue settings") {
                guard await c.backend.lifecycle.isReady() else { throw StoreNotMigrated() }
                try await queueSettings.apply()
            }
            guard applied else { return }
            c.logger.info("config queue settings applied", metadata: ["queues": "\(queueSettings.queues.keys.sorted().joined(separator: ","))"])
        }
        await withDiscardingTaskGroup { group in
            let services = maintenanceServices()
            let elector = self.elector
            // The lease reaper runs on every node, not only the leader: its writes are fenced
            // by the lease itself, and a frozen leader must not hold orphaned jobs hostage
            // until its leadership lapses.
            let reaper = LeaseReaper(store: c.backend.maintenance, notifier: c.notifier, clock: c.clock, interval: maintenance.reapInterval)
            group.addTask {
                await cancelWhenGracefulShutdown { await PeriodicService(name: "lease reaper", logger: c.logger, tick: reaper.tick).run() }
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    await elector.whileLeader {
                        c.logger.info("leading: running maintenance on this node")
                        await withDiscardingTaskGroup { maintenance in
                            for service in services { maintenance.addTask { await service.run() } }
                        }
                    }
                }
            }
            for configuration in queues {
                let worker = QueueWorker(
                    configuration: configuration, owner: owner, store: c.backend.claims, secrets: c.backend.secrets, registry: c.registry,
                    notifier: c.notifier, clock: c.clock, metrics: c.metrics, logger: c.logger)
                group.addTask { await worker.run() }
            }
        }
        c.logger.info("engine stopped")
    }

    /// Runs `step` until it succeeds, backing off while the store is unreachable; false
    /// if shutdown came first.
    private func retrying(_ what: String, _ step: () async throws -> Void) async -> Bool {
        var delay = 0.2
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await step()
                return true
            } catch {
                conveyor.logger.loopFailure("\(what) failed; retrying", error: error)
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 5)
            }
        }
        return false
    }

    func maintenanceServices() -> [PeriodicService] {
        let c = conveyor
        let stager = Stager(store: c.backend.maintenance, notifier: c.notifier, clock: c.clock, interval: maintenance.stageInterval)
        let pruner = Pruner(
            store: c.backend.maintenance, log: c.backend.events, workers: c.backend.workers, clock: c.clock,
            configuration: maintenance)
        let advancer = WorkflowAdvancer(conveyor: c)
        let scheduler = CronScheduler(conveyor: c)
        return [
            PeriodicService(name: "stager", logger: c.logger, tick: stager.tick),
            PeriodicService(name: "pruner", logger: c.logger, tick: pruner.tick),
            PeriodicService(name: "workflow advancer", logger: c.logger, tick: advancer.tick),
            PeriodicService(name: "cron scheduler", logger: c.logger, tick: scheduler.tick),
        ]
    }
}

/// The store's schema is not (yet) the current one: another node may be migrating it.
struct StoreNotMigrated: Error, CustomStringConvertible {
    var description: String { "the store's schema is not migrated yet" }
}
