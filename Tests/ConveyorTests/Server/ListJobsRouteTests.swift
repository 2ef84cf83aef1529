import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

extension ServerTests {
    @Suite("GET /v1/jobs")
    struct ListJobs {
        @Test func filtersByQueueStateTypeTenantAndTag() async throws {
            try await ServerHarness().run { client in
                let a = try await client.enqueue(#"{"type":"echo","payload":{"text":"a"},"queue":"mail","tags":["x"]}"#)
                let b = try await client.enqueue(#"{"type":"echo","payload":{"text":"b"},"tenant":"acme","tags":["x","y"]}"#)
                let c = try await client.enqueue(#"{"type":"echo","payload":{"text":"c"},"delay_seconds":3600}"#)
                _ = try await client.send(.delete, "/v1/jobs/\(a.id)")

                #expect(try await client.list("?queue=mail").jobs.map(\.id) == [a.id])
                #expect(try await client.list("?state=scheduled").jobs.map(\.id) == [c.id])
                #expect(try await client.list("?state=cancelled").jobs.map(\.id) == [a.id])
                #expect(try await client.list("?tenant=acme").jobs.map(\.id) == [b.id])
                #expect(try await client.list("?tag=x").jobs.map(\.id) == [b.id, a.id])
                #expect(try await client.list("?tag=y&tenant=acme").jobs.map(\.id) == [b.id])
                #expect(try await client.list("?type=echo").jobs.count == 3)
                #expect(try await client.list("?type=other").jobs.isEmpty)
                // An empty value is no filter, as an HTML form sends it.
                #expect(try await client.list("?queue=&state=").jobs.count == 3)
            }
        }

        @Test func pagesWithACursorUntilTheEnd() async throws {
            try await ServerHarness().run { client in
                var created: [String] = []
                for i in 0..<5 {
                    created.append(try await client.enqueue(#"{"type":"echo","payload":{"text":"\#(i)"}}"#).id)
                }
                var seen: [String] = []
                var cursor: String?
                var pages = 0
                repeat {
                    let page = try await client.list("?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                    #expect(page.jobs.count <= 2)
                    seen += page.jobs.map(\.id)
                    cursor = page.nextCursor
                    pages += 1
                } while cursor != nil && pages < 10
                #expect(pages == 3)
                #expect(seen.count == 5)
                #expect(Set(seen) == Set(created))
                // Newest first: ids are time-ordered.
                #expect(seen == seen.sorted(by: >))
            }
        }

        @Test func defaultsTo50() async throws {
            try await ServerHarness().run { client in
                let jobs = Array(repeating: #"{"type":"echo","payload":{"text":"x"}}"#, count: 51).joined(separator: ",")
                #expect(try await client.send(.post, "/v1/jobs", json: #"{"jobs":[\#(jobs)]}"#).status == .created)
                let page = try await client.list()
                #expect(page.jobs.count == 50)
                #expect(page.nextCursor != nil)
            }
        }

        @Test(arguments: [
            ("?state=done", ["state"]),
            ("?limit=0", ["limit"]),
            ("?limit=1001", ["limit"]),
            ("?limit=ten", ["limit"]),
            ("?status=failed", ["status"]),
            ("?state=nope&limit=-1", ["state", "limit"]),
        ])
        func invalidParametersAre422NamingThem(query: String, fields: [String]) async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(.get, "/v1/jobs\(query)")
                let problem = try expectProblem(response, .unprocessableContent, type: "validation")
                #expect(problem.fields == fields)
            }
        }
    }
}
