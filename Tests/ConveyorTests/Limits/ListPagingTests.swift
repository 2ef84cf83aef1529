import ConveyorClient
import ConveyorCore
import ConveyorServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing

extension ServerTests {
    /// Schedules, webhook endpoints, triggers and inbound sources page like jobs, and a
    /// garbage cursor on any list is a 400 naming `cursor` (issue 12, lists).
    @Suite struct ListPagingTests {
        static func run(_ kind: StoreKind, _ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
            var jobs = JobRegistry()
            jobs.register(EchoJob())
            let registry = PrometheusCollectorRegistry()
            let conveyor = Conveyor(
                store: try await kind.make(), registry: jobs, metricsFactory: PrometheusMetricsFactory(registry: registry))
            let app = buildApplication(
                conveyor: conveyor, configuration: ServerConfiguration(), registry: registry, services: [],
                logger: Logger(label: "conveyor.limits.test"))
            try await app.test(.router, test)
        }

        /// Walks `path` two at a time; returns each page's item names.
        static func walk(_ client: any TestClientProtocol, _ path: String, field: String, name: String) async throws -> [[String]] {
            var pages: [[String]] = []
            var cursor: String?
            repeat {
                let response = try await client.send(.get, path + "?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(response.status == .ok, "\(response.text)")
                let object = try response.decode(JSONValue.self).objectValue ?? [:]
                var items: [JSONValue] = []
                if case .array(let array)? = object[field] { items = array }
                pages.append(items.compactMap { $0.objectValue?[name]?.stringValue })
                cursor = object["next_cursor"]?.stringValue
            } while cursor != nil && pages.count < 10
            return pages
        }

        @Test(arguments: StoreKind.allCases) func everyListPagesWithLimitAndCursor(kind: StoreKind) async throws {
            try await Self.run(kind) { client in
                for i in 1...5 {
                    let schedule = try await client.send(
                        .post, "/v1/schedules", json: #"{"id":"s\#(i)","cron":"0 * * * *","job":{"type":"echo","payload":{"text":"x"}}}"#)
                    #expect(schedule.status == .created, "\(schedule.text)")
                    let webhook = try await client.send(
                        .post, "/v1/webhooks", json: #"{"url":"https://93.184.216.34/hook\#(i)","events":["job.failed"]}"#)
                    #expect(webhook.status == .created, "\(webhook.text)")
                    let trigger = try await client.send(
                        .post, "/v1/triggers", json: #"{"topic":"entry.t\#(i)","job":{"type":"echo"}}"#)
                    #expect(trigger.status == .created, "\(trigger.text)")
                    let source = try await client.send(
                        .put, "/v1/inbound-sources/src\(i)", json: #"{"scheme":"hmac-sha256","secret":"s","signature_header":"x-sig"}"#)
                    #expect(source.status == .created, "\(source.text)")
                }
                let schedules = try await Self.walk(client, "/v1/schedules", field: "schedules", name: "id")
                #expect(schedules == [["s1", "s2"], ["s3", "s4"], ["s5"]])
                let sources = try await Self.walk(client, "/v1/inbound-sources", field: "sources", name: "name")
                #expect(sources == [["src1", "src2"], ["src3", "src4"], ["src5"]])
                let webhooks = try await Self.walk(client, "/v1/webhooks", field: "endpoints", name: "url")
                #expect(webhooks.map(\.count) == [2, 2, 1] && webhooks.joined().sorted() == (1...5).map { "https://93.184.216.34/hook\($0)" })
                let triggers = try await Self.walk(client, "/v1/triggers", field: "triggers", name: "topic")
                #expect(triggers.map(\.count) == [2, 2, 1] && Set(triggers.joined()).count == 5)
                // Without a limit, one page holds them all and has no next cursor.
                let all = try await client.send(.get, "/v1/schedules").decode(ScheduleList.self)
                #expect(all.schedules.count == 5 && all.nextCursor == nil)
            }
        }

        @Test(arguments: StoreKind.allCases) func aGarbageCursorOnAnyListIs400NamingCursor(kind: StoreKind) async throws {
            try await Self.run(kind) { client in
                let endpoint = try await client.send(.post, "/v1/webhooks", json: #"{"url":"https://93.184.216.34/h","events":["job.failed"]}"#)
                let id = try endpoint.decode(WebhookEndpoint.self).id
                for path in [
                    "/v1/jobs", "/v1/workflows", "/v1/schedules", "/v1/webhooks", "/v1/triggers", "/v1/inbound-sources",
                    "/v1/webhooks/\(id)/deliveries",
                ] {
                    for garbage in ["garbage", "0", "Zm9vOmJhcg"] {
                        let response = try await client.send(.get, "\(path)?cursor=\(garbage)")
                        let problem = try expectProblem(response, .badRequest, type: "bad-request")
                        #expect(problem.fields == ["cursor"], "\(path)")
                    }
                }
                // A well-formed id is a cursor for jobs, even of a job that is gone.
                #expect(try await client.send(.get, "/v1/jobs?cursor=0193c2d4-0000-7000-8000-000000000000").status == .ok)
            }
        }

        @Test func theClientFollowsEveryPage() async throws {
            let h = try await ServerHarness()
            let app = buildApplication(
                conveyor: h.conveyor, configuration: h.configuration, registry: h.registry, services: [],
                logger: Logger(label: "conveyor.limits.test"))
            try await app.test(.live) { client in
                let conveyor = ConveyorClient(baseURL: "http://127.0.0.1:\(try #require(client.port))")
                for i in 1...3 {
                    _ = try await conveyor.createSchedule(
                        ScheduleRequest(id: "c\(i)", cron: "0 * * * *", job: ScheduleJob(type: "echo", payload: ["text": "x"])))
                }
                let first = try await conveyor.schedules(limit: 2)
                #expect(first.schedules.map(\.id) == ["c1", "c2"] && first.nextCursor != nil)
                let second = try await conveyor.schedules(limit: 2, cursor: first.nextCursor)
                #expect(second.schedules.map(\.id) == ["c3"] && second.nextCursor == nil)
                #expect(try await conveyor.schedules().map(\.id) == ["c1", "c2", "c3"])
            }
        }
    }
}
