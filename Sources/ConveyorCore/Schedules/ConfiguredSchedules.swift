import Foundation
import ServiceLifecycle

/// Applies the config file's schedules once the store is migrated (every node may run
/// it: applying is idempotent), retrying while the store is unreachable or not yet
/// migrated, then idles until shutdown.
public struct ConfiguredSchedules: Service {
    public let conveyor: Conveyor
    public let schedules: [ScheduleRequest]

    /// Checks the schedules now (a bad file stops the start with the reason); nothing is written.
    public init(conveyor: Conveyor, schedules: [ScheduleRequest]) throws {
        try conveyor.checkConfiguredSchedules(schedules)
        self.conveyor = conveyor
        self.schedules = schedules
    }

    public func run() async throws {
        var delay = 0.2
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if await conveyor.backend.lifecycle.isReady() {
                    let report = try await conveyor.applyConfiguredSchedules(schedules)
                    conveyor.logger.info(
                        "config schedules applied",
                        metadata: [
                            "created": "\(report.created.joined(separator: ","))", "updated": "\(report.updated.joined(separator: ","))",
                            "deleted": "\(report.deleted.joined(separator: ","))",
                        ])
                    break
                }
            } catch {
                conveyor.logger.loopFailure("applying the config file's schedules failed; retrying", error: error)
            }
            try? await Task.sleep(for: .seconds(delay))
            delay = min(delay * 2, 5)
        }
        try? await gracefulShutdown()
    }
}

extension Conveyor {
    /// Validates the config file's schedules without touching the store.
    public func checkConfiguredSchedules(_ requests: [ScheduleRequest]) throws {
        let now = clock.now()
        var failures: [ValidationFailure] = []
        var seen: Set<ScheduleName> = []
        for (index, request) in requests.enumerated() {
            do {
                let schedule = try makeSchedule(
                    request, tenant: request.tenant ?? Tenant.defaultID, source: "config", now: now, createdBy: "config", requireID: true)
                if !seen.insert(ScheduleName(tenant: schedule.tenant, id: schedule.id)).inserted {
                    failures.append(
                        ValidationFailure(
                            "schedules[\(index)].id", "'\(schedule.id)' is listed twice for tenant '\(schedule.tenant)'; ids must be unique within a tenant"))
                }
            } catch let error as ConveyorError where error.code == .validation {
                failures += error.failures.map { $0.nested(under: "schedules[\(index)]") }
            }
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
    }
}
