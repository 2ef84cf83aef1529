import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ConveyorServer
import Testing

extension ServerTests {
    @Suite("Queues, job options, health, metrics and routing")
    struct Operations {
        @Test func queuesCountJobsAndListConfiguredQueuesWithZeros() async throws {
            try await ServerHarness(queues: ["default", "mail", "idle"]).run { client in
                _ = try await client.enqueue(#"{"type":"echo","payload":{"text":"a"}}"#)
                _ = try await client.enqueue(#"{"type":"echo","payload":{"text":"b"}}"#)
                let c = try await client.enqueue(#"{"type":"echo","payload":{"text":"c"},"queue":"mail"}"#)
                _ = try await client.send(.delete, "/v1/jobs/\(c.id)")
                _ = try await client.enqueue(#"{"type":"echo","payload":{"text":"d"},"queue":"extra","delay_seconds":60}"#)

                let response = try await client.send(.get, "/v1/queues")
                #expect(response.status == .ok)
                let queues = try response.decode(QueueList.self).queues
                #expect(queues.map(\.queue) == ["default", "extra", "idle", "mail"])
                let byName = Dictionary(uniqueKeysWithValues: queues.map { ($0.queue, $0) })
                #expect(byName["default"]?.counts["queued"] == 2)
                #expect(byName["mail"]?.counts["cancelled"] == 1)
                #expect(byName["extra"]?.counts["scheduled"] == 1)
                #expect(byName["idle"]?.counts == Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, 0) }))
                #expect(byName["idle"]?.oldestQueuedAgeSeconds == nil)
                #expect(byName["default"]?.oldestQueuedAgeSeconds != nil)
                for queue in queues {
                    #expect(Set(queue.counts.keys) == Set(JobState.allCases.map(\.rawValue)))
                }
            }
        }

        @Test func jobOptionsListTypesQueuesAndActions() async throws {
            try await ServerHarness(queues: ["default", "mail"]).run { client in
                let response = try await client.send(.get, "/v1/config/job-options")
                #expect(response.status == .ok)
                let options = try response.decode(JobOptions.self)
                #expect(options.jobTypes.map(\.type) == ["echo"])
                #expect(options.jobTypes.first?.defaults.maxAttempts == 3)
                #expect(options.queues == ["default", "mail"])
                #expect(Set(options.actions.map(\.type)) == ["rerun", "cancel", "edit_metadata"])
                #expect(options.states == JobState.allCases)
                #expect(response.text.contains(#""job_types""#))
            }
        }

        @Test func healthAndReadiness() async throws {
            try await ServerHarness().run { client in
                let health = try await client.send(.get, "/healthz")
                #expect(health.status == .ok)
                #expect(health.text == #"{"status":"ok"}"#)
                let ready = try await client.send(.get, "/readyz")
                #expect(ready.status == .ok)
                #expect(ready.text == #"{"status":"ready"}"#)
                let head = try await client.send(.head, "/healthz")
                #expect(head.status == .ok)
            }
        }

        @Test func notReadyUntilTheSchemaIsMigrated() async throws {
            let harness = try await ServerHarness(migrate: false)
            try await harness.run { client in
                let problem = try expectProblem(try await client.send(.get, "/readyz"), .serviceUnavailable, type: "unavailable")
                #expect(problem.detail.contains("migrat"))
                // Liveness does not depend on the store.
                #expect(try await client.send(.get, "/healthz").status == .ok)
                try await harness.conveyor.backend.lifecycle.migrate()
                #expect(try await client.send(.get, "/readyz").status == .ok)
            }
        }

        @Test func metricsExportQueueDepthAndEngineCounters() async throws {
            try await ServerHarness(queues: ["default", "idle"]).run { client in
                _ = try await client.enqueue(#"{"type":"echo","payload":{"text":"a"}}"#)
                _ = try await client.enqueue(#"{"type":"echo","payload":{"text":"b"}}"#)
                let response = try await client.send(.get, "/metrics")
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4")
                let text = response.text
                #expect(text.contains("# TYPE conveyor_queue_depth gauge"))
                #expect(text.contains(#"conveyor_queue_depth{queue="default",state="queued"} 2"#))
                #expect(text.contains(#"conveyor_queue_depth{queue="idle",state="queued"} 0"#))
                #expect(text.contains(#"conveyor_jobs_enqueued_total{queue="default",type="echo"} 2"#))

                // Depth is read at scrape time, not cached from an earlier scrape.
                let page = try await client.list()
                _ = try await client.send(.delete, "/v1/jobs/\(page.jobs[0].id)")
                let later = try await client.send(.get, "/metrics").text
                #expect(later.contains(#"conveyor_queue_depth{queue="default",state="queued"} 1"#))
                #expect(later.contains(#"conveyor_queue_depth{queue="default",state="cancelled"} 1"#))
            }
        }

        @Test func unknownRouteIs404Problem() async throws {
            try await ServerHarness().run { client in
                let problem = try expectProblem(try await client.send(.get, "/v2/jobs"), .notFound, type: "route-not-found")
                #expect(problem.detail.contains("/v2/jobs"))
                #expect(problem.instance == "/v2/jobs")
            }
        }

        @Test func wrongMethodIs405WithAllow() async throws {
            try await ServerHarness().run { client in
                let put = try await client.send(.put, "/v1/jobs", json: "{}")
                let problem = try expectProblem(put, .methodNotAllowed, type: "method-not-allowed")
                #expect(put.headers[.allow] == "POST, GET, HEAD")
                #expect(problem.detail.contains("POST"))
                let getRetry = try await client.send(.get, "/v1/jobs/x/retry")
                try expectProblem(getRetry, .methodNotAllowed)
                #expect(getRetry.headers[.allow] == "POST")
            }
        }

        @Test func unexpectedErrorsAre500WithoutInternals() async throws {
            // Without its schema the store fails with an SQL error: a real fault, not a mock.
            try await ServerHarness(migrate: false).run { client in
                let problem = try expectProblem(try await client.send(.get, "/v1/jobs"), .internalServerError, type: "internal")
                #expect(!problem.detail.localizedCaseInsensitiveContains("sql"))
                #expect(!problem.detail.contains("jobs"))
                #expect(problem.detail.contains("request id"))
            }
        }

        @Test func servesOverASocket() async throws {
            let harness = try await ServerHarness(maxBodyBytes: 1024)
            let app = buildApplication(
                conveyor: harness.conveyor, configuration: harness.configuration, registry: harness.registry,
                services: [], logger: Logger(label: "conveyor.server.test"))
            try await app.test(.live) { client in
                #expect(try await client.send(.get, "/healthz").status == .ok)
                let job = try await client.enqueue(#"{"type":"echo","payload":{"text":"live"}}"#)
                #expect(try await client.job(job.id).payload == ["text": "live"])
                let big = String(repeating: "x", count: 4096)
                let tooLarge = try await client.send(.post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"\#(big)"}}"#)
                try expectProblem(tooLarge, .contentTooLarge)
                // The connection stays usable after a refused body.
                #expect(try await client.send(.get, "/readyz").status == .ok)
            }
        }
    }
}
