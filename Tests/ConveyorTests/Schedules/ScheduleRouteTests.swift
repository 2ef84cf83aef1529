import ConveyorCore
import Foundation
import HummingbirdTesting
import Testing

extension ScheduleTests {
    @Suite("Schedule routes") struct ScheduleRouteTests {
        static let body = #"{"id":"nightly","cron":"30 2 * * *","timezone":"Europe/Berlin","job":{"type":"echo","payload":{"text":"hi"},"queue":"reports"},"overlap":"skip","misfire":"catch_up"}"#

        @Test func createReadListUpdateDelete() async throws {
            let h = try await ServerHarness()
            try await h.run { client in
                let created = try await client.send(.post, "/v1/schedules", json: Self.body)
                #expect(created.status == .created, "\(created.text)")
                #expect(created.headers[.location] == "/v1/schedules/nightly")
                let schedule = try created.decode(Schedule.self)
                #expect(schedule.tenant == "default" && schedule.overlap == .skip && schedule.misfire == .catchUp)
                #expect(schedule.job.queue == "reports" && schedule.source == "api")
                #expect(schedule.nextRunAt != nil && schedule.nextRunTimes?.count == 5)
                #expect(created.text.contains(#""last_outcome":null"#) && created.text.contains(#""next_run_times":["#))

                let shown = try await client.send(.get, "/v1/schedules/nightly")
                #expect(shown.status == .ok)
                #expect(try shown.decode(Schedule.self).nextRunAt == schedule.nextRunAt)

                let list = try await client.send(.get, "/v1/schedules").decode(ScheduleList.self)
                #expect(list.schedules.map(\.id) == ["nightly"])

                let repeated = try await client.send(.post, "/v1/schedules", json: Self.body)
                try expectProblem(repeated, .conflict)

                let paused = try await client.send(.patch, "/v1/schedules/nightly", json: #"{"paused":true}"#)
                #expect(paused.status == .ok, "\(paused.text)")
                let pausedSchedule = try paused.decode(Schedule.self)
                #expect(pausedSchedule.paused && pausedSchedule.nextRunTimes == [])

                let recron = try await client.send(.patch, "/v1/schedules/nightly", json: #"{"cron":"@hourly","timezone":"UTC","paused":false}"#)
                let hourly = try recron.decode(Schedule.self)
                #expect(hourly.cron == "@hourly" && hourly.timezone == "UTC" && !hourly.paused)
                #expect(hourly.nextRunAt.map { Int($0.timeIntervalSince1970) % 3600 == 0 } == true)

                let deleted = try await client.send(.delete, "/v1/schedules/nightly")
                #expect(deleted.status == .noContent)
                try expectProblem(try await client.send(.get, "/v1/schedules/nightly"), .notFound, type: "not-found")
                try expectProblem(try await client.send(.delete, "/v1/schedules/nightly"), .notFound)
                try expectProblem(try await client.send(.patch, "/v1/schedules/nightly", json: #"{"paused":true}"#), .notFound)
                try expectProblem(try await client.send(.post, "/v1/schedules/nightly/trigger"), .notFound)
            }
        }

        @Test func badCronTimezoneJobAndUnknownFieldsAre422() async throws {
            let h = try await ServerHarness()
            try await h.run { client in
                let badCron = try await client.send(
                    .post, "/v1/schedules", json: #"{"cron":"61 * * * *","timezone":"Mars/Olympus","job":{"type":"nope"}}"#)
                let problem = try expectProblem(badCron, .unprocessableContent, type: "validation")
                #expect(Set(problem.fields) == ["cron", "timezone", "job.type"], "\(badCron.text)")
                #expect(problem.errors?.first { $0.field == "cron" }?.message.contains("minute") == true, "\(badCron.text)")

                let fields = try await client.send(.post, "/v1/schedules", json: #"{"cron":"* * *","job":{"type":"echo","payload":{"text":"x"}}}"#)
                #expect(try expectProblem(fields, .unprocessableContent).errors?.first?.message.contains("5") == true)

                let payload = try await client.send(.post, "/v1/schedules", json: #"{"cron":"@daily","job":{"type":"echo","payload":{}}}"#)
                #expect(try expectProblem(payload, .unprocessableContent).fields == ["job.payload.text"], "\(payload.text)")

                let unknown = try await client.send(.post, "/v1/schedules", json: #"{"cron":"@daily","job":{"type":"echo"},"every":"day"}"#)
                try expectProblem(unknown, .unprocessableContent)
                let unknownJobField = try await client.send(
                    .post, "/v1/schedules", json: #"{"cron":"@daily","job":{"type":"echo","run_at":"2030-01-01T00:00:00Z"}}"#)
                try expectProblem(unknownJobField, .unprocessableContent)
                let badOverlap = try await client.send(.post, "/v1/schedules", json: #"{"cron":"@daily","job":{"type":"echo"},"overlap":"sometimes"}"#)
                try expectProblem(badOverlap, .unprocessableContent)

                // Nothing was written.
                #expect(try await client.send(.get, "/v1/schedules").decode(ScheduleList.self).schedules.isEmpty)

                _ = try await client.send(.post, "/v1/schedules", json: Self.body)
                let badPatch = try await client.send(.patch, "/v1/schedules/nightly", json: #"{"timezone":"Nowhere/Land"}"#)
                #expect(try expectProblem(badPatch, .unprocessableContent).fields == ["timezone"])
                let unknownPatch = try await client.send(.patch, "/v1/schedules/nightly", json: #"{"id":"renamed"}"#)
                try expectProblem(unknownPatch, .unprocessableContent)
            }
        }

        @Test func triggerFiresNowOnce() async throws {
            let h = try await ServerHarness()
            try await h.run { client in
                _ = try await client.send(.post, "/v1/schedules", json: Self.body)
                let fired = try await client.send(.post, "/v1/schedules/nightly/trigger")
                #expect(fired.status == .created, "\(fired.text)")
                let result = try fired.decode(ScheduleTriggerResult.self)
                #expect(result.created && result.job.queue == "reports" && result.job.tags.contains("schedule:nightly"))
                let job = try await client.job(result.job.id)
                #expect(job.metadata["schedule_id"] == .string("nightly"))
                let schedule = try await client.send(.get, "/v1/schedules/nightly").decode(Schedule.self)
                #expect(schedule.lastJobID == job.id && schedule.lastOutcome == "fired" && schedule.lastJobState == .queued)
            }
        }
    }
}
