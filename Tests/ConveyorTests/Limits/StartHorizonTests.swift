import ConveyorCore
import Foundation
import Testing

extension ServerTests {
    /// `run_at` and `delay_seconds` share one bound (issue 12, far future).
    @Suite struct StartHorizonTests {
        @Test func runAtInYear99999IsRefusedLikeALongDelay() async throws {
            try await ServerHarness().run { client in
                let farRunAt = try await client.send(
                    .post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"x"},"run_at":"+099999-01-01T00:00:00Z"}"#)
                // Foundation may not parse a five-digit year at all; either way nothing is written.
                #expect(farRunAt.status == .unprocessableContent, "\(farRunAt.text)")
                let later = Date().addingTimeInterval(StartHorizon.maxDelaySeconds + 86400)
                let runAt = try await client.send(
                    .post, "/v1/jobs",
                    json: #"{"type":"echo","payload":{"text":"x"},"run_at":"\#(ISO8601DateFormatter().string(from: later))"}"#)
                #expect(try expectProblem(runAt, .unprocessableContent, type: "validation").fields == ["run_at"])
                let delay = try await client.send(
                    .post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"x"},"delay_seconds":31708800}"#)
                #expect(try expectProblem(delay, .unprocessableContent, type: "validation").fields == ["delay_seconds"])
                #expect(try await client.list().jobs.isEmpty)
                let within = Date().addingTimeInterval(StartHorizon.maxDelaySeconds - 3600)
                _ = try await client.enqueue(
                    #"{"type":"echo","payload":{"text":"x"},"run_at":"\#(ISO8601DateFormatter().string(from: within))"}"#)
            }
        }

        @Test func theRuleJudgesBothSpellings() {
            let now = Date(timeIntervalSince1970: 1_700_000_000)
            #expect(StartHorizon.check(runAt: now.addingTimeInterval(StartHorizon.maxDelaySeconds), delaySeconds: nil, now: now).isEmpty)
            #expect(StartHorizon.check(runAt: now.addingTimeInterval(StartHorizon.maxDelaySeconds + 1), delaySeconds: nil, now: now).map(\.field) == ["run_at"])
            #expect(StartHorizon.check(runAt: nil, delaySeconds: StartHorizon.maxDelaySeconds + 1, now: now).map(\.field) == ["delay_seconds"])
            #expect(StartHorizon.check(runAt: now.addingTimeInterval(-86400 * 3650), delaySeconds: nil, now: now).isEmpty)
        }
    }
}
