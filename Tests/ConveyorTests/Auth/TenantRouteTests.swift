import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ConveyorServer

extension AuthTests {
    @Suite("Tenants and isolation") struct TenantRouteTests {
        @Test func tenantsAreAdminOnlyAndKeepTheirLimits() async throws {
            let h = try await AuthHarness()
            let admin = try await h.token(tenant: "default", scopes: [.admin])
            let user = try await h.token(tenant: "acme", scopes: Scope.known.filter { $0 != .admin })
            try await h.run { client in
                let body = #"{"id":"acme","limits":{"max_concurrency":5,"rate_limit":{"count":100,"period_seconds":60},"max_payload_bytes":64}}"#
                try expectProblem(try await client.send(.post, "/v1/tenants", bearer: user, json: body), .forbidden)
                try expectProblem(try await client.send(.get, "/v1/tenants", bearer: user), .forbidden)

                let created = try await client.send(.post, "/v1/tenants", bearer: admin, json: body)
                #expect(created.status == .created, "\(created.text)")
                let tenant = try created.decode(Tenant.self)
                #expect(tenant.limits == TenantLimits(maxConcurrency: 5, rateLimit: RateLimit(count: 100, periodSeconds: 60), maxPayloadBytes: 64))

                let updated = try await client.send(.post, "/v1/tenants", bearer: admin, json: #"{"id":"acme","limits":{"max_payload_bytes":128}}"#)
                #expect(updated.status == .ok)
                #expect(try updated.decode(Tenant.self).createdAt == tenant.createdAt)

                let list = try await client.send(.get, "/v1/tenants", bearer: admin).decode(TenantList.self)
                #expect(list.tenants.map(\.id) == ["acme", "default"])
                #expect(list.tenants[0].limits == TenantLimits(maxPayloadBytes: 128))

                let bad = try expectProblem(
                    try await client.send(.post, "/v1/tenants", bearer: admin, json: #"{"id":"a b","limits":{"max_concurrency":0,"rate_limit":{"count":1,"period_seconds":0}}}"#),
                    .unprocessableContent)
                #expect(Set(bad.fields) == ["id", "limits.max_concurrency", "limits.rate_limit.period_seconds"])
            }
        }

        @Test func payloadsOverTheTenantLimitAre413() async throws {
            let h = try await AuthHarness()
            _ = try await h.credentials.saveTenant(id: "acme", limits: TenantLimits(maxPayloadBytes: 40), now: Date())
            let token = try await h.token(tenant: "acme", scopes: [.jobsWrite])
            try await h.run { client in
                let small = try await client.send(.post, "/v1/jobs", bearer: token, json: #"{"type":"echo","payload":{"text":"hi"}}"#)
                #expect(small.status == .created)
                let large = #"{"type":"echo","payload":{"text":"\#(String(repeating: "x", count: 100))"}}"#
                let problem = try expectProblem(try await client.send(.post, "/v1/jobs", bearer: token, json: large), .contentTooLarge, type: "payload-too-large")
                #expect(problem.detail.contains("40 bytes"))
                let batch = #"{"jobs":[{"type":"echo","payload":{"text":"ok"}},\#(large)]}"#
                let batchProblem = try expectProblem(try await client.send(.post, "/v1/jobs", bearer: token, json: batch), .contentTooLarge)
                #expect(batchProblem.detail.hasPrefix("jobs[1].payload"))
                #expect(try await h.store.listJobs(JobQuery(tenant: "acme")).jobs.count == 1)
            }
        }

        @Test func jobsOfAnotherTenantAreInvisible() async throws {
            let h = try await AuthHarness()
            let theirs = try await h.seedJob(tenant: "globex", payload: ["text": "secret"])
            let mine = try await h.seedJob(tenant: "acme")
            let acme = try await h.token(tenant: "acme", scopes: [.jobsRead, .jobsWrite])
            let admin = try await h.token(tenant: "default", scopes: [.admin])
            try await h.run { client in
                let page = try await client.send(.get, "/v1/jobs", bearer: acme).decode(JobPage.self)
                #expect(page.jobs.map(\.id) == [mine.id])
                try expectProblem(try await client.send(.get, "/v1/jobs?tenant=globex", bearer: acme), .forbidden, type: "forbidden")
                #expect(try await client.send(.get, "/v1/jobs?tenant=acme", bearer: acme).status == .ok)

                for (method, path, body) in [
                    (HTTPRequest.Method.get, "/v1/jobs/\(theirs.id)", nil as String?),
                    (.delete, "/v1/jobs/\(theirs.id)", nil),
                    (.post, "/v1/jobs/\(theirs.id)/retry", nil),
                    (.post, "/v1/jobs/\(theirs.id)/actions", #"{"type":"rerun"}"#),
                    (.post, "/v1/jobs/\(theirs.id)/actions", #"{"type":"cancel"}"#),
                ] {
                    try expectProblem(try await client.send(method, path, bearer: acme, json: body), .notFound, type: "not-found")
                }
                #expect(try await h.store.job(id: theirs.id) == theirs)
                #expect(try await h.store.listJobs(JobQuery(limit: 100)).jobs.count == 2)

                // Admin sees across tenants.
                let all = try await client.send(.get, "/v1/jobs", bearer: admin).decode(JobPage.self)
                #expect(Set(all.jobs.map(\.id)) == [theirs.id, mine.id])
                #expect(try await client.send(.get, "/v1/jobs/\(theirs.id)", bearer: admin).status == .ok)
            }
        }

        @Test func enqueueGoesToTheCallersTenantAndRecordsTheCreator() async throws {
            let h = try await AuthHarness()
            let user = try await h.token(tenant: "acme", scopes: [.jobsWrite, .jobsRead], subject: "alice@acme")
            let admin = try await h.token(tenant: "default", scopes: [.admin], subject: "root")
            let (key, keyRecord) = try await h.apiKey(tenant: "acme", scopes: [.jobsWrite])
            try await h.run { client in
                let job = try await client.send(.post, "/v1/jobs", bearer: user, json: #"{"type":"echo","payload":{"text":"a"}}"#).decode(Job.self)
                #expect(job.tenant == "acme")
                #expect(job.createdBy == "alice@acme")
                #expect(try await h.store.job(id: job.id)?.createdBy == "alice@acme")

                let forbidden = try expectProblem(
                    try await client.send(.post, "/v1/jobs", bearer: user, json: #"{"type":"echo","payload":{"text":"a"},"tenant":"globex"}"#),
                    .forbidden, type: "forbidden")
                #expect(forbidden.detail.contains("acme"))
                // Naming one's own tenant is fine.
                #expect(try await client.send(.post, "/v1/jobs", bearer: user, json: #"{"type":"echo","payload":{"text":"a"},"tenant":"acme"}"#).status == .created)

                let byKey = try await client.send(.post, "/v1/jobs", bearer: key, json: #"{"type":"echo","payload":{"text":"k"}}"#).decode(Job.self)
                #expect(byKey.createdBy == "key:\(keyRecord.id)")

                let forGlobex = try await client.send(
                    .post, "/v1/jobs", bearer: admin, json: #"{"jobs":[{"type":"echo","payload":{"text":"g"},"tenant":"globex"}]}"#
                ).decode(EnqueueBatchResponse.self)
                #expect(forGlobex.jobs[0].tenant == "globex")
                #expect(forGlobex.jobs[0].createdBy == "root")

                // A re-run records who re-ran it.
                _ = try await h.store.cancelJob(id: job.id, now: Date())
                let rerun = try await client.send(.post, "/v1/jobs/\(job.id)/actions", bearer: admin, json: #"{"type":"rerun"}"#).decode(Job.self)
                #expect(rerun.createdBy == "root")
                #expect(rerun.tenant == "acme")
            }
        }

        @Test func whoamiShowsWhatTheServerReadFromTheCredential() async throws {
            let h = try await AuthHarness()
            let token = try await h.token(tenant: "acme", scopes: [.jobsRead, Scope("openid")], subject: "bob")
            try await h.run { client in
                let me = try await client.send(.get, "/v1/whoami", bearer: token).decode(WhoAmI.self)
                #expect(me.tenant == "acme" && me.subject == "bob" && me.credential == "jwt")
                #expect(me.scopes == [.jobsRead], "unknown scopes are dropped")
            }
        }
    }
}
