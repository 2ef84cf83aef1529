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
    /// Picks the one node that runs the stager, lease reaper, pruner and workflow advancer.
    public let elector: any LeaderElector
    /// Applies migrations before the workers start, retrying while the store is unreachable.
    public let migrateOnStart: Bool
    /// Names this process in leases, so an operator can tell which node holds a job.
    public let owner: String

    public init(
        conveyor: Conveyor, queues: [QueueWorkerConfiguration], maintenance: MaintenanceConfiguration = .init(),
        elector: any LeaderElector = SoleLeader(), migrateOnStart: Bool = false,
        owner: String = ConveyorEngine.defaultOwner()
    ) {
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
            guard await migrate() else { return }
        }
        await withDiscardingTaskGroup { group in
            let services = maintenanceServices()
            let elector = self.elector
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
                    configuration: configuration, owner: owner, store: c.store, registry: c.registry,
                    notifier: c.notifier, clock: c.clock, metrics: c.metrics, logger: c.logger)
                group.addTask { await worker.run() }
            }
        }
        c.logger.info("engine stopped")
    }

    /// Retries until the schema is current; false if shutdown came first.
    private func migrate() async -> Bool {
        var delay = 0.2
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await conveyor.store.migrate()
                return true
            } catch {
                conveyor.logger.error("migrating the store failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 5)
            }
        }
        return false
    }

    func maintenanceServices() -> [PeriodicService] {
        let c = conveyor
        let stager = Stager(store: c.store, notifier: c.notifier, clock: c.clock, interval: maintenance.stageInterval)
        let reaper = LeaseReaper(store: c.store, notifier: c.notifier, clock: c.clock, interval: maintenance.reapInterval)
        let pruner = Pruner(store: c.store, clock: c.clock, configuration: maintenance)
        let advancer = WorkflowAdvancer(conveyor: c)
        let scheduler = CronScheduler(conveyor: c)
        return [
            PeriodicService(name: "stager", logger: c.logger, tick: stager.tick),
            PeriodicService(name: "lease reaper", logger: c.logger, tick: reaper.tick),
            PeriodicService(name: "pruner", logger: c.logger, tick: pruner.tick),
            PeriodicService(name: "workflow advancer", logger: c.logger, tick: advancer.tick),
            PeriodicService(name: "cron scheduler", logger: c.logger, tick: scheduler.tick),
        ]
    }
}
