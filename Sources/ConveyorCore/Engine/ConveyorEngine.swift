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
    /// Runs the stager, lease reaper and pruner in this process.
    public let runsMaintenance: Bool
    /// Names this process in leases, so an operator can tell which node holds a job.
    public let owner: String

    public init(
        conveyor: Conveyor, queues: [QueueWorkerConfiguration], maintenance: MaintenanceConfiguration = .init(),
        runsMaintenance: Bool = true, owner: String = ConveyorEngine.defaultOwner()
    ) {
        self.conveyor = conveyor
        self.queues = queues
        self.maintenance = maintenance
        self.runsMaintenance = runsMaintenance
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
        await withDiscardingTaskGroup { group in
            if runsMaintenance {
                for service in maintenanceServices() {
                    group.addTask { await cancelWhenGracefulShutdown { await service.run() } }
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

    func maintenanceServices() -> [PeriodicService] {
        let c = conveyor
        let stager = Stager(store: c.store, notifier: c.notifier, clock: c.clock, interval: maintenance.stageInterval)
        let reaper = LeaseReaper(store: c.store, notifier: c.notifier, clock: c.clock, interval: maintenance.reapInterval)
        let pruner = Pruner(store: c.store, clock: c.clock, configuration: maintenance)
        return [
            PeriodicService(name: "stager", logger: c.logger, tick: stager.tick),
            PeriodicService(name: "lease reaper", logger: c.logger, tick: reaper.tick),
            PeriodicService(name: "pruner", logger: c.logger, tick: pruner.tick),
        ]
    }
}
