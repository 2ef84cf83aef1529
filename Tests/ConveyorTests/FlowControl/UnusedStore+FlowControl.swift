import ConveyorCore
import Foundation

/// The route-building tests' store has no queue settings or breakers either.
extension UnusedStore {
    func allQueueSettings() async throws -> [String: QueueSettings] { [:] }
    func queueSettings(queue: String) async throws -> QueueSettings? { nil }
    func setQueueSettings(_ settings: QueueSettings, queue: String, now: Date) async throws {}
    func setQueuePaused(queue: String, paused: Bool, now: Date) async throws -> Bool { false }
    func runningByKey(queue: String, limit: Int) async throws -> [KeyCount] { [] }
    func finishedCounts(queue: String, since: Date, createdAfter: Date) async throws -> FinishedCounts {
        FinishedCounts(succeeded: 0, failed: 0)
    }
    func pausedKeys(queue: String, now: Date) async throws -> [PausedKey] { [] }
    func circuits(state: Circuit.State?, limit: Int) async throws -> [Circuit] { [] }
    func resetCircuits(key: String, type: String?, now: Date) async throws -> [Circuit] { [] }
}
