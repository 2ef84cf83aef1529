import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

extension WorkflowTests {
    /// `/v1/workflows` over HTTP.
    @Suite("Workflow routes") struct RouteTests {
        /// The issue's core promise: `step_details` is built once, so the bytes of
        /// `GET /v1/workflows/{id}` and of the `workflow.failed` event's data are the same,
        /// `error` of the failed step included.
        @Test(arguments: StoreKind.allCases)
        func stepDetailsAreTheSameBytesInGetAndInTheEvent(kind: StoreKind) async throws {
            let h = try await WorkflowHarness.start(kind: kind)
            try await h.http { client in
                let body = """
                    {"name":"identity","on_failure":"continue","steps":[
                      {"key":"bad","type":"step","payload":{"action":"fail","label":"bad"},"max_attempts":1},
                      {"key":"good","type":"step","payload":{"action":"ok","label":"good"}},
                      {"key":"after","type":"step","payload":{"action":"ok","label":"after"},"depends_on":["bad","good"]}
                    ]}
                    """
                let created = try await client.send(.post, "/v1/workflows", json: body)
                #expect(created.status == .created, "\(created.text)")
                let id = try created.decode(WorkflowStatus.self).id
                #expect(created.headers[.location] == "/v1/workflows/\(id)")
                try await h.wait(for: id, .failed)

                let get = try await client.send(.get, "/v1/workflows/\(id)")
                #expect(get.status == .ok)
                let events = try await client.send(.get, "/v1/events?topic=workflow.failed&key=\(id)")
                #expect(events.status == .ok, "\(events.text)")
                let getDetails = try #require(jsonText(after: "\"step_details\":", in: get.text))
                let eventDetails = try #require(jsonText(after: "\"step_details\":", in: events.text))
                #expect(getDetails == eventDetails)
                // The whole event data is the workflow as GET shows it.
                #expect(try #require(jsonText(after: "\"data\":", in: events.text)) == get.text)
                #expect(getDetails.contains(#""error":{"at":"#))
                #expect(getDetails.contains(#""message":"bad input in bad","type":"#))

                let workflow = try get.decode(WorkflowStatus.self)
                let bad = try #require(workflow.step("bad"))
                #expect(bad.state == "failed" && bad.error?.attempt == 1 && bad.error?.message == "bad input in bad")
                #expect(bad.durationMS != nil && bad.startedAt != nil && bad.finishedAt != nil)
                #expect(workflow.step("good")?.error == nil && workflow.step("good")?.result?["by"] == "good")
                #expect(workflow.step("after")?.state == "cancelled")
                #expect(workflow.tenant == "default" && workflow.createdBy == "dev")
            }
            try await h.stop()
        }

        @Test func invalidDAGsAreRefusedNamingTheCulprit() async throws {
            let harness = try await ServerHarness()
            try await harness.run { client in
                func submit(_ steps: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Problem {
                    let response = try await client.send(.post, "/v1/workflows", json: #"{"name":"bad","steps":[\#(steps)]}"#)
                    return try expectProblem(response, .unprocessableContent, type: "validation", sourceLocation: sourceLocation)
                }
                let echo = #""type":"echo","payload":{"text":"x"}"#

                let unknown = try await submit(#"{"key":"a",\#(echo)},{"key":"b",\#(echo),"depends_on":["a","zzz"]}"#)
                #expect(unknown.fields == ["steps[1].depends_on[1]"])
                #expect(unknown.detail.contains("'zzz'"))

                let cycle = try await submit(
                    #"{"key":"a",\#(echo),"depends_on":["c"]},{"key":"b",\#(echo),"depends_on":["a"]},{"key":"c",\#(echo),"depends_on":["b"]},{"key":"d",\#(echo)}"#
                )
                #expect(cycle.fields.count == 1 && cycle.fields[0].hasPrefix("steps["))
                #expect(cycle.detail.contains("cycle") && cycle.detail.contains("a → c → b → a"))

                let selfLoop = try await submit(#"{"key":"a",\#(echo),"depends_on":["a"]}"#)
                #expect(selfLoop.fields == ["steps[0].depends_on[0]"] && selfLoop.detail.contains("a → a"))

                let duplicate = try await submit(#"{"key":"a",\#(echo)},{"key":"b",\#(echo)},{"key":"a",\#(echo)}"#)
                #expect(duplicate.fields == ["steps[2].key"] && duplicate.detail.contains("steps[0]"))

                let type = try await submit(#"{"key":"a","type":"nope"}"#)
                #expect(type.fields == ["steps[0].type"] && type.detail.contains("'nope'"))

                let payload = try await submit(#"{"key":"a","type":"echo","payload":{"count":1}}"#)
                #expect(payload.fields == ["steps[0].payload.text"])

                let options = try await submit(#"{"key":"a",\#(echo),"max_attempts":0}"#)
                #expect(options.fields == ["steps[0].max_attempts"])

                let empty = try await client.send(.post, "/v1/workflows", json: #"{"name":"bad","steps":[]}"#)
                #expect(try expectProblem(empty, .unprocessableContent).fields == ["steps"])

                // Nothing was written.
                let list = try await client.send(.get, "/v1/workflows")
                #expect(try list.decode(WorkflowPage.self).workflows.isEmpty)
                #expect(try await client.list().jobs.isEmpty)
            }
        }

        @Test func listFiltersPagesCancelsAndRetries() async throws {
            let harness = try await ServerHarness()
            try await harness.run { client in
                var ids: [String] = []
                for name in ["nightly", "nightly", "hourly"] {
                    let response = try await client.send(
                        .post, "/v1/workflows",
                        json: #"{"name":"\#(name)","steps":[{"key":"a","type":"echo","payload":{"text":"x"}},{"key":"b","type":"echo","payload":{"text":"y"},"depends_on":["a"]}]}"#
                    )
                    #expect(response.status == .created, "\(response.text)")
                    ids.append(try response.decode(WorkflowStatus.self).id)
                }
                func page(_ query: String) async throws -> WorkflowPage {
                    let response = try await client.send(.get, "/v1/workflows\(query)")
                    #expect(response.status == .ok, "\(response.text)")
                    return try response.decode(WorkflowPage.self)
                }
                #expect(try await page("?name=nightly").workflows.map(\.id) == [ids[1], ids[0]])
                #expect(try await page("?state=running").workflows.count == 3)
                let first = try await page("?limit=2")
                #expect(first.workflows.map(\.id) == [ids[2], ids[1]])
                let second = try await page("?limit=2&cursor=\(try #require(first.nextCursor))")
                #expect(second.workflows.map(\.id) == [ids[0]] && second.nextCursor == nil)
                try expectProblem(try await client.send(.get, "/v1/workflows?state=done"), .unprocessableContent)
                try expectProblem(try await client.send(.get, "/v1/workflows?status=running"), .unprocessableContent)
                try expectProblem(try await client.send(.get, "/v1/workflows/\(JobID.make())"), .notFound)

                // No workers run here: the root job is queued, so cancel finishes it at once.
                let cancelled = try await client.send(.delete, "/v1/workflows/\(ids[0])")
                #expect(cancelled.status == .ok, "\(cancelled.text)")
                let status = try cancelled.decode(WorkflowStatus.self)
                #expect(status.state == .cancelled && status.stepDetails.map(\.state) == ["cancelled", "cancelled"])
                try expectProblem(try await client.send(.delete, "/v1/workflows/\(ids[0])"), .conflict)
                #expect(try await page("?state=cancelled").workflows.map(\.id) == [ids[0]])

                try expectProblem(try await client.send(.post, "/v1/workflows/\(ids[1])/retry"), .conflict)
                let retried = try await client.send(.post, "/v1/workflows/\(ids[0])/retry")
                #expect(retried.status == .ok, "\(retried.text)")
                let again = try retried.decode(WorkflowStatus.self)
                #expect(again.state == .running && again.stepDetails.map(\.state) == ["queued", "pending"])
                #expect(again.step("a")?.jobID != status.step("a")?.jobID)
            }
        }
    }
}

/// The JSON value (object or array) that follows the first `marker` in `text`, as written.
func jsonText(after marker: String, in text: String) -> String? {
    guard let start = text.range(of: marker)?.upperBound else { return nil }
    var depth = 0
    var inString = false
    var escaped = false
    var index = start
    while index < text.endIndex {
        let c = text[index]
        if inString {
            if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
        } else if c == "\"" {
            inString = true
        } else if c == "{" || c == "[" {
            depth += 1
        } else if c == "}" || c == "]" {
            depth -= 1
            if depth == 0 { return String(text[start...index]) }
        }
        index = text.index(after: index)
    }
    return nil
}
