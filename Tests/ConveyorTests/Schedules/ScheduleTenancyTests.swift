import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

extension ScheduleTests {
    /// Schedule ids are per tenant: the same id in two tenants is two schedules, and one
    /// tenant neither sees, changes nor learns of the existence of another's.
    @Suite("Schedule ids per tenant") struct ScheduleTenancyTests {
        static func caller(_ tenant: String, admin: Bool = false) -> Caller {
            Caller(credential: .token(subject: "user-\(tenant)"), tenant: tenant, scopes: admin ? [.admin] : [.schedulesManage])
        }

        @Test(arguments: StoreKind.allCases)
        func theSameIDInTwoTenantsIsTwoSchedulesWithTwoJobs(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            let (acme, globex, initech) = (Self.caller("acme"), Self.caller("globex"), Self.caller("initech"))
            let request = ScheduleRequest(
                id: "nightly", cron: "*/5 * * * *", job: ScheduleJob(type: EchoJob.type, payload: ["text": "tick"]), overlap: .allow)
            let a = try await w.conveyor.createSchedule(request, as: acme)
            // Globex may use the id too: no 409 telling it that acme has one.
            let g = try await w.conveyor.createSchedule(request, as: globex)
            #expect(a.tenant == "acme" && g.tenant == "globex")
            try await w.create("nightly")  // and the default tenant
            await #expect(throws: ConveyorError.self) { try await w.conveyor.createSchedule(request, as: acme) }

            // A tenant without one gets the answer for a missing id, whoever has it.
            for call in [
                { try await w.conveyor.schedule(id: "nightly", as: initech) },
                { try await w.conveyor.updateSchedule(id: "nightly", patch: SchedulePatch(paused: true), as: initech) },
            ] as [@Sendable () async throws -> Schedule] {
                do {
                    _ = try await call()
                    Issue.record("found another tenant's schedule")
                } catch let error as ConveyorError {
                    #expect(error.code == .notFound && error.message == Conveyor.scheduleNotFound("nightly").message)
                }
            }
            // A change reaches only the caller's own.
            _ = try await w.conveyor.updateSchedule(id: "nightly", patch: SchedulePatch(paused: true), as: globex)
            #expect(try await w.conveyor.schedule(id: "nightly", as: globex).paused)
            #expect(try await !w.conveyor.schedule(id: "nightly", as: acme).paused)

            // Each unpaused one fires its own job, in its own tenant, under its own id.
            w.set("2026-01-01T00:05:00Z")
            try await w.tick()
            let jobs = try await w.jobs("nightly")
            #expect(Set(jobs.map(\.tenant)) == ["acme", "default"], "\(jobs.map(\.tenant))")
            let fire = utc("2026-01-01T00:05:00Z")
            let acmeJob = try #require(jobs.first { $0.tenant == "acme" })
            #expect(acmeJob.id == ScheduleJobID.make(tenant: "acme", scheduleID: "nightly", fireTime: fire))
            #expect(acmeJob.idempotencyKey == "schedule:acme/nightly:2026-01-01T00:05:00.000Z")
            // The default tenant's job keeps the id it had before ids were scoped.
            #expect(jobs.first { $0.tenant == "default" }?.id == ScheduleJobID.make(tenant: "default", scheduleID: "nightly", fireTime: fire))
            #expect(try await w.conveyor.schedule(id: "nightly", as: acme).lastJobID == acmeJob.id)

            // A trigger and a delete touch only the caller's.
            let triggered = try await w.conveyor.triggerSchedule(id: "nightly", as: globex)
            #expect(triggered.job.tenant == "globex")
            try await w.conveyor.deleteSchedule(id: "nightly", as: acme)
            #expect(try await w.store.schedule(tenant: "acme", id: "nightly") == nil)
            #expect(try await w.store.schedule(tenant: "globex", id: "nightly") != nil)
            #expect(try await w.store.schedule(tenant: "default", id: "nightly") != nil)
            // An admin reaches another tenant's by naming it; others may not name it.
            let admin = Self.caller("default", admin: true)
            #expect(try await w.conveyor.schedule(id: "nightly", tenant: "globex", as: admin).tenant == "globex")
            await #expect(throws: ConveyorError.self) { try await w.conveyor.schedule(id: "nightly", tenant: "globex", as: acme) }
        }

        /// The config file names schedules by tenant and id too.
        @Test(arguments: StoreKind.allCases)
        func theConfigFileKeepsTenantsApart(kind: StoreKind) async throws {
            let w = try await ScheduleWorld(kind)
            let job = ScheduleJob(type: EchoJob.type, payload: ["text": "x"])
            let inAcme = ScheduleRequest(id: "sync", cron: "@hourly", job: job, tenant: "acme")
            let inGlobex = ScheduleRequest(id: "sync", cron: "@daily", job: job, tenant: "globex")
            var report = try await w.conveyor.applyConfiguredSchedules([inAcme, inGlobex])
            #expect(report.created == ["sync", "sync"])
            #expect(try await w.store.schedules(tenant: nil).map(\.tenant).sorted() == ["acme", "globex"])
            // Dropping one tenant's deletes that one only.
            report = try await w.conveyor.applyConfiguredSchedules([inGlobex])
            #expect(report.deleted == ["sync"] && report.updated.isEmpty)
            #expect(try await w.store.schedules(tenant: nil).map(\.tenant) == ["globex"])
            // Twice in one tenant is refused.
            await #expect(throws: ConveyorError.self) { try await w.conveyor.applyConfiguredSchedules([inGlobex, inGlobex]) }
        }

        /// Over HTTP with auth: no 409 across tenants, 404 like a missing id, and an
        /// admin's `?tenant=`.
        @Test func routesScopeIDsByTenant() async throws {
            let h = try await AuthHarness()
            let acme = try await h.apiKey(tenant: "acme", scopes: [.schedulesManage]).secret
            let globex = try await h.apiKey(tenant: "globex", scopes: [.schedulesManage]).secret
            let admin = try await h.apiKey(tenant: "default", scopes: [.admin]).secret
            let body = #"{"id":"nightly-report","cron":"@daily","job":{"type":"echo","payload":{"text":"hi"}}}"#
            try await h.run { client in
                #expect(try await client.send(.post, "/v1/schedules", bearer: acme, json: body).status == .created)
                let missing = try await client.send(.get, "/v1/schedules/absent", bearer: globex)
                let others = try await client.send(.get, "/v1/schedules/nightly-report", bearer: globex)
                let absent = try expectProblem(missing, .notFound)
                let hidden = try expectProblem(others, .notFound)
                #expect(hidden.detail.replacingOccurrences(of: "nightly-report", with: "ID") == absent.detail.replacingOccurrences(of: "absent", with: "ID"))
                for method in [HTTPRequest.Method.delete, .post] {
                    let path = "/v1/schedules/nightly-report" + (method == .post ? "/trigger" : "")
                    try expectProblem(try await client.send(method, path, bearer: globex), .notFound)
                }
                let globexOwn = try await client.send(.post, "/v1/schedules", bearer: globex, json: body)
                #expect(globexOwn.status == .created, "\(globexOwn.text)")
                #expect(try globexOwn.decode(Schedule.self).tenant == "globex")
                try expectProblem(try await client.send(.post, "/v1/schedules", bearer: globex, json: body), .conflict)
                #expect(try await client.send(.get, "/v1/schedules/nightly-report", bearer: acme).decode(Schedule.self).tenant == "acme")
                let listed = try await client.send(.get, "/v1/schedules", bearer: globex).decode(ScheduleList.self)
                #expect(listed.schedules.map(\.tenant) == ["globex"])

                let viaAdmin = try await client.send(.get, "/v1/schedules/nightly-report?tenant=acme", bearer: admin)
                #expect(try viaAdmin.decode(Schedule.self).tenant == "acme", "\(viaAdmin.text)")
                try expectProblem(try await client.send(.get, "/v1/schedules/nightly-report", bearer: admin), .notFound)
                try expectProblem(try await client.send(.get, "/v1/schedules/nightly-report?tenant=acme", bearer: globex), .forbidden)
                try expectProblem(try await client.send(.get, "/v1/schedules/nightly-report?tenants=acme", bearer: admin), .unprocessableContent)
                let created = try await client.send(
                    .post, "/v1/schedules", bearer: admin,
                    json: #"{"id":"by-admin","tenant":"acme","cron":"@daily","job":{"type":"echo","payload":{"text":"hi"}}}"#)
                #expect(created.headers[.location] == "/v1/schedules/by-admin?tenant=acme")
            }
        }
    }
}
