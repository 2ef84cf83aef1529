import ConveyorCore
import ConveyorServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing

extension ServerTests {
    /// Distinct queue names are bounded, in the store and in the metrics, and a tenant
    /// sees only its own queues' names (issue 12, queue names).
    @Suite struct QueueNameBoundTests {
        static func conveyor(_ kind: StoreKind, maxQueues: Int, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry())
            async throws -> Conveyor
        {
            var jobs = JobRegistry()
            jobs.register(EchoJob())
            return Conveyor(
                store: try await kind.make(), registry: jobs, metricsFactory: PrometheusMetricsFactory(registry: registry),
                maxQueues: maxQueues)
        }

        static func job(_ queue: String, tenant: String = "default") -> EnqueueRequest {
            EnqueueRequest(type: "echo", queue: queue, payload: ["text": "x"], tenant: tenant)
        }

        @Test(arguments: StoreKind.allCases) func aNewQueuePastTheBoundIs422NamingQueueAndWritesNothing(kind: StoreKind) async throws {
            let conveyor = try await Self.conveyor(kind, maxQueues: 3)
            for queue in ["a", "b", "c"] { _ = try await conveyor.enqueue([Self.job(queue)]) }
            await #expect {
                try await conveyor.enqueue([Self.job("d")])
            } throws: { error in
                (error as? ConveyorError)?.failures.map(\.field) == ["queue"]
            }
            await #expect {
                try await conveyor.enqueue([Self.job("a"), Self.job("e")])
            } throws: { error in
                (error as? ConveyorError)?.failures.map(\.field) == ["jobs[1].queue"]
            }
            await #expect {
                try await conveyor.submitWorkflow(
                    WorkflowRequest(name: "w", steps: [WorkflowStepRequest(key: "s", type: "echo", payload: ["text": "x"], queue: "f")]))
            } throws: { error in
                (error as? ConveyorError)?.failures.map(\.field) == ["steps[0].queue"]
            }
            #expect(try await conveyor.queueStats().map(\.queue) == ["a", "b", "c"])
            #expect(try await conveyor.listJobs(JobQuery()).jobs.count == 3, "nothing written")
            // Existing queues take jobs as before.
            _ = try await conveyor.enqueue([Self.job("c"), Self.job("a")])
        }

        @Test(arguments: StoreKind.allCases) func aTenantSeesOnlyItsOwnQueuesNames(kind: StoreKind) async throws {
            let conveyor = try await Self.conveyor(kind, maxQueues: 100)
            _ = try await conveyor.enqueue([Self.job("acme-billing", tenant: "acme"), Self.job("shared", tenant: "acme")])
            _ = try await conveyor.enqueue([Self.job("globex-secret-project", tenant: "globex"), Self.job("shared", tenant: "globex")])
            let acme = Caller(credential: .apiKey(id: "k1"), tenant: "acme", scopes: [.queuesManage])
            #expect(try await conveyor.queueStats(as: acme).map(\.queue) == ["acme-billing", "shared"])
            let operatorCaller = Caller(credential: .apiKey(id: "k2"), tenant: "default", scopes: [.queuesManage])
            #expect(try await conveyor.queueStats(as: operatorCaller).map(\.queue) == ["acme-billing", "globex-secret-project", "shared"])
            #expect(try await conveyor.queueStats(as: .development).count == 3)
        }

        @Test func metricsGiveQueuesPastTheBoundOneLabel() async throws {
            let registry = PrometheusCollectorRegistry()
            let conveyor = try await Self.conveyor(.sqlite, maxQueues: 2, registry: registry)
            // Queues made before the bound (straight into the store) exceed it.
            for queue in ["q1", "q2", "q3", "q4", "q5"] {
                _ = try await conveyor.backend.jobs.insertJobs([
                    NewJob(type: "echo", queue: queue, payload: ["text": "x"], runAt: Date(), createdAt: Date())
                ])
            }
            let app = buildApplication(
                conveyor: conveyor, configuration: ServerConfiguration(queues: []), registry: registry, services: [],
                logger: Logger(label: "conveyor.limits.test"))
            try await app.test(.router) { client in
                let text = try await client.send(.get, "/metrics").text
                let queues = Set(
                    text.split(separator: "\n").filter { $0.hasPrefix("conveyor_queue_depth{") }.compactMap { line in
                        line.firstRange(of: #"queue=""#).map { line[$0.upperBound...].prefix { $0 != "\"" } }.map(String.init)
                    })
                #expect(queues == ["q1", "q2", "_other"], "\(queues)")
                #expect(text.contains(#"conveyor_queue_depth{queue="_other",state="queued"} 3"#), "\(text)")
            }
        }
    }
}
