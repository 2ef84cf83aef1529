import ConveyorCore
import Foundation

/// The route-building tests' store never answers schedule calls either.
extension UnusedStore {
    func createSchedule(_ schedule: Schedule) async throws -> Bool { false }
    func schedule(tenant: String, id: String) async throws -> Schedule? { nil }
    func schedules(tenant: String?) async throws -> [Schedule] { [] }
    func updateSchedule(_ schedule: Schedule) async throws -> Bool { false }
    func deleteSchedule(tenant: String, id: String) async throws -> Bool { false }
    func dueSchedules(now: Date, limit: Int) async throws -> [Schedule] { [] }
    func nextScheduleRunAt() async throws -> Date? { nil }
    func fireSchedule(_ firing: ScheduleFiring) async throws -> ScheduleFiringResult { .notFound }
}
