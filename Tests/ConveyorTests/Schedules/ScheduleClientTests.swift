import ConveyorClient
import ConveyorCore
import Foundation
import Testing

extension ScheduleTests {
    /// `ConveyorClient`'s schedule calls against the real API over a socket.
    @Suite("Schedule client") struct ScheduleClientTests {
        @Test func createsReadsListsPausesTriggersAndDeletes() async throws {
            try await ServerHarness().withClient { client in
                let created = try await client.createSchedule(
                    ScheduleRequest(
                        id: "hourly.report:ny", cron: "@hourly", timezone: "America/New_York",
                        job: ScheduleJob(type: EchoJob.type, payload: ["text": "x"]), overlap: .allow))
                #expect(created.id == "hourly.report:ny" && created.timezone == "America/New_York")
                #expect(created.nextRunTimes?.count == 5 && created.overlap == .allow)
                #expect(try await client.schedule(id: created.id).cron == "@hourly")
                #expect(try await client.schedules().map(\.id) == [created.id])
                let paused = try await client.updateSchedule(id: created.id, SchedulePatch(paused: true))
                #expect(paused.paused)
                let fired = try await client.triggerSchedule(id: created.id)
                #expect(fired.created && fired.job.metadata["schedule_id"] == .string(created.id))
                try await client.deleteSchedule(id: created.id)
                do {
                    _ = try await client.schedule(id: created.id)
                    Issue.record("a deleted schedule was found")
                } catch let error as ConveyorClientError {
                    #expect(error.problem?.status == 404)
                }
            }
        }
    }
}
