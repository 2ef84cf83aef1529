import ConveyorCore
import ConveyorPostgres
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

/// Wake-ups and leader election between "nodes": separate connection pools on one database.
@Suite("PostgreSQL coordination", .enabled(if: TestPostgres.url != nil), .serialized)
struct PostgresCoordinationTests {
    @Test func signalsCrossNodes() async throws {
        try await TestPostgres.withClients(2) { clients in
            let a = PostgresNotifier(client: clients[0], logger: TestPostgres.logger)
            let b = PostgresNotifier(client: clients[1], logger: TestPostgres.logger)
            try await TestPostgres.running([a, b]) {
                let received = await b.subscribe()
                // LISTEN is asynchronous: keep signalling until the other node hears.
                let sender = Task {
                    while !Task.isCancelled {
                        await a.notify([.jobsAvailable(queue: "emails"), .cancelRequested(jobID: "j1")])
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                }
                var seen: Set<EngineSignal> = []
                for await signal in received {
                    seen.insert(signal)
                    if seen.count == 2 { break }
                }
                sender.cancel()
                #expect(seen == [.jobsAvailable(queue: "emails"), .cancelRequested(jobID: "j1")])
            }
        }
    }

    @Test func cancellationReachesAWorkerOnAnotherNodeAtOnce() async throws {
        // Two nodes on one database: A takes the API call, B runs the job. B's lease is
        // 30 minutes, so its first heartbeat (a third of it) comes after 10: a cancel that
        // arrives within the wait's hang guard can only have come through NOTIFY. No
        // stopwatch, so a loaded machine cannot fail it.
        let configuration = try await PostgresTestDatabase.create()
        let storeA = try await PostgresTestDatabase.makeStore(on: configuration)
        let storeB = try await PostgresTestDatabase.makeStore(on: configuration)
        try await storeA.migrate()
        let notifierA = PostgresNotifier(client: storeA.client, logger: TestPostgres.logger)
        let notifierB = PostgresNotifier(client: storeB.client, logger: TestPostgres.logger)
        let starts = StartLog()
        var registry = JobRegistry()
        registry.register(ScriptJob(starts: starts))
        let nodeA = Conveyor(store: storeA, registry: registry, notifier: notifierA, logger: TestPostgres.logger)
        let nodeB = Conveyor(store: storeB, registry: registry, notifier: notifierB, logger: TestPostgres.logger)
        let engineB = ConveyorEngine(
            conveyor: nodeB, queues: [QueueWorkerConfiguration(queue: "default", leaseDuration: .seconds(1800))])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await notifierA.run() }
            group.addTask { try await notifierB.run() }
            group.addTask { try await engineB.run() }
            let job = try await nodeA.enqueue(ScriptJob.self, ScriptJob.Payload(action: "sleep", seconds: 1800))
            await starts.waitForStart(job.id)
            _ = try await nodeA.cancel(id: job.id)
            try await waitUntil(timeout: .seconds(60), "the cancel to reach node B through NOTIFY") {
                try await storeA.job(id: job.id)?.state == .cancelled
            }
            group.cancelAll()
        }
    }

    @Test func exactlyOneNodeLeadsAndLeadershipMovesWhenTheLeaderStops() async throws {
        try await TestPostgres.withClients(2) { clients in
            let leading = Leaders()
            let role = "test-\(JobID.make().suffix(6))"
            let electors = (0..<2).map { i in
                PostgresLeaderElector(
                    client: clients[i], holder: "node\(i)", role: role, lease: .seconds(1), logger: TestPostgres.logger)
            }
            func campaign(_ i: Int) -> Task<Void, Never> {
                Task {
                    await electors[i].whileLeader {
                        leading.names.withLock { $0.append("node\(i)") }
                        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                        leading.names.withLock { $0.removeAll { $0 == "node\(i)" } }
                    }
                }
            }
            let first = campaign(0)
            let second = campaign(1)
            try await waitUntil("a leader") { leading.names.withLock { $0.count == 1 } }
            try await Task.sleep(for: .seconds(1.5))
            #expect(leading.names.withLock { $0.count } == 1, "never two leaders")
            let leader = leading.names.withLock { $0[0] }
            // The leader shuts down; the other node must take over.
            (leader == "node0" ? first : second).cancel()
            try await waitUntil("the other node to lead") {
                leading.names.withLock { $0 == [leader == "node0" ? "node1" : "node0"] }
            }
            first.cancel()
            second.cancel()
            _ = await (first.value, second.value)
        }
    }
}

/// Who leads right now, as the electors' `lead` closures report it.
final class Leaders: Sendable {
    let names = Mutex<[String]>([])
}

/// Running clients for coordination tests, each its own pool: each stands for a node.
enum TestPostgres {
    static let url = PostgresTestDatabase.url
    static var logger: Logger { PostgresTestDatabase.logger }

    static func withClients(_ count: Int, _ body: ([PostgresClient]) async throws -> Void) async throws {
        let configuration = try PostgresJobStore.configuration(url: try #require(url))
        let clients = (0..<count).map { _ in PostgresClient(configuration: configuration, backgroundLogger: logger) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in clients { group.addTask { await client.run() } }
            try await body(clients)
            group.cancelAll()
        }
    }

    /// Runs services (e.g. notifiers) for the duration of `body`.
    static func running(_ services: [PostgresNotifier], _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service.run() } }
            try await body()
            group.cancelAll()
        }
    }
}
