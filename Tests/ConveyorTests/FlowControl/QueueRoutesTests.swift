import ConveyorClient
import ConveyorCore
import ConveyorServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import ServiceLifecycle
import Testing

/// The flow-control API over one store, in dev mode (every request is admin of
/// `default`). `startEngine` runs workers on `default` so pausing can be watched.
struct FlowRouteHarness: Sendable {
    let conveyor: Conveyor
    let registry: PrometheusCollectorRegistry
    let store: any StoreDriver

    init(_ kind: StoreKind) async throws {
        var jobs = JobRegistry()
        jobs.register(EchoJob())
        registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "test.flow-routes")
        logger.logLevel = .critical
        store = try await kind.make()
        conveyor = Conveyor(
            store: store, registry: jobs, metricsFactory: PrometheusMetricsFactory(registry: registry),
            logger: logger)
    }

    func run<Value: Sendable>(_ test: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let app = buildApplication(
            conveyor: conveyor, configuration: ServerConfiguration(queues: ["default"]), registry: registry, services: [],
            logger: conveyor.logger)
        return try await app.test(.router, test)
    }

    /// Runs workers on `default` until the returned stop is called.
    func startEngine() -> @Sendable () async throws -> Void {
        let engine = ConveyorEngine(
            conveyor: conveyor,
            queues: [QueueWorkerConfiguration(queue: "default", concurrency: 2, pollInterval: .milliseconds(50))],
            maintenance: MaintenanceConfiguration(stageInterval: .milliseconds(20), reapInterval: .milliseconds(50)))
        let group = ServiceGroup(services: [engine], logger: conveyor.logger)
        let runner = Task { try await group.run() }
        return {
            await group.triggerGracefulShutdown()
            try await runner.value
        }
    }

    func events(_ topic: String) async throws -> [ConveyorCore.LogEvent] {
        try await store.readEvents(EventQuery(after: 0, limit: 1000)).events.filter { $0.type == topic }
    }
}

extension TestClientProtocol {
    func queueDetail(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> QueueDetail {
        let response = try await send(.get, "/v1/queues/\(name)")
        #expect(response.status == .ok, "\(response.text)", sourceLocation: sourceLocation)
        return try response.decode(QueueDetail.self)
    }
}

@Suite("Queue routes")
struct QueueRoutesTests {
    @Test(arguments: StoreKind.allCases)
    func detailShowsCountsForEveryStateSettingsKeysAndThroughput(kind: StoreKind) async throws {
        let h = try await FlowRouteHarness(kind)
        try await h.run { client in
            _ = try await client.enqueue(#"{"type":"echo","queue":"mail","payload":{"text":"a"},"concurrency_key":"org-1"}"#)
            _ = try await client.enqueue(#"{"type":"echo","queue":"mail","payload":{"text":"b"},"concurrency_key":"org-1"}"#)
            _ = try await client.enqueue(#"{"type":"echo","queue":"mail","payload":{"text":"c"}}"#)
            let now = Date()
            let claimed = try await h.store.claimJobs(queue: "mail", limit: 2, owner: "w", leaseUntil: now.addingTimeInterval(30), now: now)
            #expect(claimed.count == 2)
            try await h.store.completeJobs([
                JobOutcome(lease: claimed[0].lease, owner: "w", kind: .succeeded(result: nil), finishedAt: Date())
            ])

            let detail = try await client.queueDetail("mail")
            #expect(detail.queue == "mail" && !detail.paused)
            #expect(detail.settings == QueueSettings())
            #expect(Set(detail.counts.keys) == Set(JobState.allCases.map(\.rawValue)))
            #expect(detail.counts["queued"] == 1 && detail.counts["running"] == 1 && detail.counts["succeeded"] == 1)
            #expect(detail.counts["failed"] == 0)
            #expect(detail.runningByKey.count == 1 && detail.runningByKey.first?.count == 1)
            #expect(detail.pausedKeys.isEmpty)
            #expect(detail.throughput.windowSeconds == 60 && detail.throughput.succeeded == 1 && detail.throughput.failed == 0)
            #expect(abs(detail.throughput.perSecond - 1.0 / 60) < 1e-9)

            // A queue nobody used answers with zeros, and "no limit" is an explicit null.
            let empty = try await client.send(.get, "/v1/queues/never-used")
            #expect(empty.status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(empty.body.readableBytesView)) as? [String: Any])
            let settings = try #require(json["settings"] as? [String: Any])
            #expect(settings["concurrency_limit"] is NSNull && settings["key_rate_limit"] is NSNull)
            #expect(json["oldest_queued_age_seconds"] is NSNull)
            #expect((json["counts"] as? [String: Int])?.values.allSatisfy { $0 == 0 } == true)
            #expect((json["counts"] as? [String: Int])?.count == JobState.allCases.count)

            try expectProblem(try await client.send(.get, "/v1/queues/bad%20name"), .unprocessableContent, type: "validation")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func patchChangesOnlyTheFieldsGivenAndNullClears(kind: StoreKind) async throws {
        let h = try await FlowRouteHarness(kind)
        try await h.run { client in
            let bad = try await client.send(
                .patch, "/v1/queues/mail",
                json: #"{"concurrency_limit":0,"key_concurrency_limit":5,"rate_limit":{"count":0,"period_seconds":0}}"#)
            let problem = try expectProblem(bad, .unprocessableContent, type: "validation")
            #expect(Set(problem.fields) == ["concurrency_limit", "rate_limit.count", "rate_limit.period_seconds"])
            #expect(try await h.store.queueSettings(queue: "mail") == nil, "a refused PATCH writes nothing")

            var response = try await client.send(
                .patch, "/v1/queues/mail",
                json: #"{"concurrency_limit":10,"key_rate_limit":{"count":100,"period_seconds":60}}"#)
            #expect(response.status == .ok, "\(response.text)")
            var detail = try response.decode(QueueDetail.self)
            #expect(detail.settings.concurrencyLimit == 10)
            #expect(detail.settings.keyRateLimit == RateLimit(count: 100, periodSeconds: 60))

            response = try await client.send(.patch, "/v1/queues/mail", json: #"{"fair":true,"key_concurrency_limit":3}"#)
            detail = try response.decode(QueueDetail.self)
            #expect(detail.settings == QueueSettings(
                fair: true, concurrencyLimit: 10, keyConcurrencyLimit: 3, keyRateLimit: RateLimit(count: 100, periodSeconds: 60)))

            response = try await client.send(.patch, "/v1/queues/mail", json: #"{"concurrency_limit":null,"key_rate_limit":null}"#)
            detail = try response.decode(QueueDetail.self)
            #expect(detail.settings == QueueSettings(fair: true, keyConcurrencyLimit: 3))
            #expect(try await h.store.queueSettings(queue: "mail") == QueueSettings(fair: true, keyConcurrencyLimit: 3))

            // An empty patch changes nothing.
            response = try await client.send(.patch, "/v1/queues/mail", json: "{}")
            #expect(try response.decode(QueueDetail.self).settings == QueueSettings(fair: true, keyConcurrencyLimit: 3))

            // paused has routes of its own.
            let paused = try expectProblem(
                try await client.send(.patch, "/v1/queues/mail", json: #"{"paused":true}"#), .unprocessableContent, type: "validation")
            #expect(paused.fields == ["paused"])
            #expect(paused.detail.contains("/v1/queues/mail/pause"))
            #expect(try await client.queueDetail("mail").paused == false)

            try expectProblem(try await client.send(.patch, "/v1/queues/mail", json: #"{"concurrency_limt":3}"#), .unprocessableContent)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func pauseIsIdempotentAndWritesOneEventEach(kind: StoreKind) async throws {
        let h = try await FlowRouteHarness(kind)
        try await h.run { client in
            _ = try await client.send(.patch, "/v1/queues/mail", json: #"{"concurrency_limit":4}"#)
            for _ in 0..<2 {
                let response = try await client.send(.post, "/v1/queues/mail/pause")
                #expect(response.status == .ok, "\(response.text)")
                let detail = try response.decode(QueueDetail.self)
                #expect(detail.paused && detail.settings.paused && detail.settings.concurrencyLimit == 4)
            }
            #expect(try await h.events(ConveyorCore.LogEvent.queuePaused).count == 1)
            // Changing limits leaves the queue paused.
            let patched = try await client.send(.patch, "/v1/queues/mail", json: #"{"concurrency_limit":null}"#)
            #expect(try patched.decode(QueueDetail.self).paused)

            for _ in 0..<2 {
                let response = try await client.send(.post, "/v1/queues/mail/resume")
                #expect(response.status == .ok)
                #expect(try response.decode(QueueDetail.self).paused == false)
            }
            #expect(try await h.events(ConveyorCore.LogEvent.queuePaused).count == 1)
            let resumed = try await h.events(ConveyorCore.LogEvent.queueResumed)
            #expect(resumed.count == 1)
            #expect(try resumed.first.map { try ConveyorJSON.decode(QueueEventData.self, from: ConveyorJSON.encode($0.data)) }?.queue == "mail")

            // Resuming a queue that was never paused is fine too, and writes nothing.
            #expect(try await client.send(.post, "/v1/queues/other/resume").status == .ok)
            #expect(try await h.events(ConveyorCore.LogEvent.queueResumed).count == 1)
            try expectProblem(try await client.send(.get, "/v1/queues/mail/pause"), .methodNotAllowed)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aPausedQueueAcceptsJobsButRunsNoneUntilResumed(kind: StoreKind) async throws {
        let h = try await FlowRouteHarness(kind)
        let stop = h.startEngine()
        do {
            try await h.run { client in
                // The engine runs: a job in the running queue succeeds.
                let first = try await client.enqueue(#"{"type":"echo","payload":{"text":"before"}}"#)
                try await waitUntil("the first job to succeed") { try await client.job(first.id).state == .succeeded }

                #expect(try await client.send(.post, "/v1/queues/default/pause").status == .ok)
                let held = try await client.enqueue(#"{"type":"echo","payload":{"text":"held"}}"#)
                // Several poll intervals (50 ms) pass: the job must stay queued throughout.
                let until = ContinuousClock.now + .milliseconds(600)
                while ContinuousClock.now < until {
                    #expect(try await client.job(held.id).state == .queued)
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(try await client.queueDetail("default").counts["queued"] == 1)

                #expect(try await client.send(.post, "/v1/queues/default/resume").status == .ok)
                try await waitUntil("the held job to succeed") { try await client.job(held.id).state == .succeeded }
            }
        } catch {
            try await stop()
            throw error
        }
        try await stop()
    }
}

/// The typed client's queue and circuit calls against the real API over a socket.
@Suite("Queue routes client")
struct QueueRoutesClientTests {
    @Test func clientPatchesPausesAndResetsWithTheSameDTOs() async throws {
        let h = try await ServerHarness()
        try await openCircuit(h.store, key: "site-a")
        try await h.withClient { client in
            var detail = try await client.updateQueue(
                "mail", settings: QueueSettingsPatch(concurrencyLimit: .set(4), keyRateLimit: .set(RateLimit(count: 10, periodSeconds: 60))))
            #expect(detail.settings.concurrencyLimit == 4 && detail.settings.keyRateLimit?.count == 10)
            detail = try await client.updateQueue("mail", settings: QueueSettingsPatch(concurrencyLimit: .clear))
            #expect(detail.settings.concurrencyLimit == nil && detail.settings.keyRateLimit?.count == 10)
            do {
                try await client.updateQueue("mail", settings: QueueSettingsPatch(keyConcurrencyLimit: .set(0)))
                Issue.record("accepted a zero limit")
            } catch let error as ConveyorClientError {
                #expect(error.status == 422 && error.problem?.fields == ["key_concurrency_limit"])
            }

            #expect(try await client.pauseQueue("mail").paused)
            #expect(try await client.queue("mail").paused)
            #expect(try await client.resumeQueue("mail").paused == false)

            #expect(try await client.circuits(state: .open).map(\.key) == ["site-a"])
            #expect(try await client.circuits(state: .closed).isEmpty)
            do {
                try await client.resetCircuit(key: "site-a", type: "nope")
                Issue.record("reset a breaker that does not exist")
            } catch let error as ConveyorClientError {
                #expect(error.status == 404)
            }
            #expect(try await client.resetCircuit(key: "site-a").map(\.state) == [.closed])
        }
    }
}
