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
            try await waitUntil(timeout: .seconds(5), "a leader") { leading.names.withLock { $0.count == 1 } }
            try await Task.sleep(for: .seconds(1.5))
            #expect(leading.names.withLock { $0.count } == 1, "never two leaders")
            let leader = leading.names.withLock { $0[0] }
            // The leader shuts down; the other node must take over.
            (leader == "node0" ? first : second).cancel()
            try await waitUntil(timeout: .seconds(5), "the other node to lead") {
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

/// The test cluster that scripts/with-postgres.sh starts.
enum TestPostgres {
    static let url = ProcessInfo.processInfo.environment["CONVEYOR_TEST_POSTGRES_URL"]
    static var logger: Logger {
        var logger = Logger(label: "test.postgres")
        logger.logLevel = .critical
        return logger
    }

    static func configuration() throws -> PostgresClient.Configuration {
        guard let url, let parts = URLComponents(string: url), let host = parts.host, let user = parts.user else {
            throw TimedOut()
        }
        return PostgresClient.Configuration(
            host: host, port: parts.port ?? 5432, username: user, password: parts.password,
            database: String(parts.path.dropFirst()), tls: .disable)
    }

    /// Runs `body` with `count` running clients, each its own pool: each stands for a node.
    static func withClients(_ count: Int, _ body: ([PostgresClient]) async throws -> Void) async throws {
        let clients = try (0..<count).map { _ in PostgresClient(configuration: try configuration(), backgroundLogger: logger) }
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
