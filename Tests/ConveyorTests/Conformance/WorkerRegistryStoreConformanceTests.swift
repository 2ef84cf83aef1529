import ConveyorCore
import Foundation
import Testing

/// The `WorkerRegistryStore` contract, run against every store.
@Suite("WorkerRegistryStore conformance")
struct WorkerRegistryStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func make(_ kind: StoreKind) async throws -> any WorkerRegistryStore {
        try #require(try await kind.make() as? any WorkerRegistryStore)
    }

    func worker(_ id: String, tenant: String = "default", startedAt: Date) -> RemoteWorker {
        RemoteWorker(
            id: id, tenant: tenant, name: "content-\(id)", host: "box-1", sdk: "conveyor-ts/0.1.0",
            queues: ["content": 10, "emails": 2], labels: ["region": "eu"], state: .active, secret: "s-\(id)",
            leaseSeconds: 60, heartbeatIntervalSeconds: 15, running: 0, startedAt: startedAt, lastHeartbeatAt: startedAt)
    }

    @Test(arguments: StoreKind.allCases)
    func aRegisteredWorkerReadsBackWhole(kind: StoreKind) async throws {
        let store = try await make(kind)
        let w = worker("w1", startedAt: t0)
        try await store.registerWorker(w)
        #expect(try await store.worker(id: "w1") == w)
        #expect(try await store.worker(id: "nobody") == nil)
        await #expect(throws: (any Error).self, "an id registers once") { try await store.registerWorker(w) }
    }

    @Test(arguments: StoreKind.allCases)
    func aHeartbeatRecordsTimeAndRunningButNeverMovesBackOrRevives(kind: StoreKind) async throws {
        let store = try await make(kind)
        try await store.registerWorker(worker("w1", startedAt: t0))
        let beat = try #require(try await store.touchWorker(id: "w1", running: 7, now: t0.addingTimeInterval(30)))
        #expect(beat.running == 7)
        #expect(beat.lastHeartbeatAt == t0.addingTimeInterval(30))
        // A late heartbeat, delayed in flight, does not move the time back.
        let late = try #require(try await store.touchWorker(id: "w1", running: 6, now: t0.addingTimeInterval(10)))
        #expect(late.lastHeartbeatAt == t0.addingTimeInterval(30))
        _ = try await store.setWorkerState(id: "w1", state: .stopped)
        let afterStop = try #require(try await store.touchWorker(id: "w1", running: 1, now: t0.addingTimeInterval(40)))
        #expect(afterStop.state == .stopped, "a stopped worker stays stopped")
        #expect(try await store.touchWorker(id: "nobody", running: 0, now: t0) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func settingTheStateKeepsTheLastHeartbeat(kind: StoreKind) async throws {
        let store = try await make(kind)
        try await store.registerWorker(worker("w1", startedAt: t0))
        let quiet = try #require(try await store.setWorkerState(id: "w1", state: .quiet))
        #expect(quiet.state == .quiet)
        #expect(quiet.lastHeartbeatAt == t0, "an operator's quiet must not hide a silent worker")
        #expect(try await store.setWorkerState(id: "nobody", state: .quiet) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func theListIsPerTenantOrWholeNewestFirst(kind: StoreKind) async throws {
        let store = try await make(kind)
        try await store.registerWorker(worker("w1", tenant: "a", startedAt: t0))
        try await store.registerWorker(worker("w2", tenant: "b", startedAt: t0.addingTimeInterval(1)))
        try await store.registerWorker(worker("w3", tenant: "a", startedAt: t0.addingTimeInterval(2)))
        #expect(try await store.listWorkers(tenant: "a").map(\.id) == ["w3", "w1"])
        #expect(try await store.listWorkers(tenant: "b").map(\.id) == ["w2"])
        #expect(try await store.listWorkers(tenant: "c").isEmpty)
        #expect(try await store.listWorkers(tenant: nil).map(\.id) == ["w3", "w2", "w1"])
    }

    @Test(arguments: StoreKind.allCases)
    func pruningRemovesOnlyWorkersSilentSinceTheCutoff(kind: StoreKind) async throws {
        let store = try await make(kind)
        try await store.registerWorker(worker("old", startedAt: t0))
        try await store.registerWorker(worker("fresh", startedAt: t0))
        _ = try await store.touchWorker(id: "fresh", running: 0, now: t0.addingTimeInterval(100))
        #expect(try await store.pruneWorkers(silentSince: t0.addingTimeInterval(50)) == 1)
        #expect(try await store.worker(id: "old") == nil)
        #expect(try await store.worker(id: "fresh") != nil)
    }
}
