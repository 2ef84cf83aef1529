import ConveyorCore
import Foundation
import Testing

extension ServerTests {
    /// Topic schemas cannot make a publish slow or its answer huge (issue 12: validation
    /// answers, schema patterns).
    @Suite struct SchemaBoundsTests {
        @Test func aLargeEventFailingItsSchemaListsAHundredErrorsAndCountsTheRest() async throws {
            try await ServerHarness().run { client in
                let put = try await client.send(
                    .put, "/v1/topics/bulk.loaded/schema", json: #"{"type":"object","properties":{"n":{"type":"array","items":{"type":"string"}}}}"#)
                #expect(put.status == .created, "\(put.text)")
                // 20,000 numbers where strings are required: 20,000 failures.
                let numbers = (0..<20_000).map(String.init).joined(separator: ",")
                let response = try await client.send(.post, "/v1/events", json: #"{"topic":"bulk.loaded","data":{"n":[\#(numbers)]}}"#)
                let problem = try expectProblem(response, .unprocessableContent, type: "validation")
                #expect(problem.errors?.count == 100)
                #expect(problem.errorsOmitted == 19_900)
                #expect(problem.fields.first == "data.n[0]" && problem.fields.last == "data.n[99]")
                #expect(response.body.readableBytes < 40_000, "answer of \(response.body.readableBytes) bytes")
                #expect(problem.detail.contains("and 19990 more"))
            }
        }

        @Test func aSmallFailureHasNoOmittedCount() async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(.post, "/v1/jobs", json: #"{"type":"echo","max_attempts":0}"#)
                let problem = try expectProblem(response, .unprocessableContent, type: "validation")
                #expect(problem.errorsOmitted == nil && !response.text.contains("errors_omitted"))
            }
        }

        @Test func aPatternWithNestedQuantifiersIsRefusedWhenSaved() async throws {
            try await ServerHarness().run { client in
                for pattern in [#"^(a+)+$"#, #"(a|aa)*b"#, #"^(\\w+\\s?)*$"#, #"(x{1,3}){2,}"#, #"(a)\\1"#] {
                    let response = try await client.send(
                        .put, "/v1/topics/entry.saved/schema",
                        json: #"{"type":"object","properties":{"title":{"type":"string","pattern":"\#(pattern)"}}}"#)
                    let problem = try expectProblem(response, .unprocessableContent, type: "validation")
                    #expect(problem.fields == ["schema.properties.title.pattern"], "\(pattern)")
                }
                #expect(try await client.send(.get, "/v1/topics/entry.saved/schema").status == .notFound)
                for pattern in [#"^[a-z]+$"#, #"^\\d{3}-\\d{4}$"#, #"^(foo|bar)$"#, #"^(ab)+$"#, #"^[\\w.]+@[\\w.]+$"#, #"^(?:x{2})*$"#] {
                    let response = try await client.send(
                        .put, "/v1/topics/entry.saved/schema",
                        json: #"{"type":"object","properties":{"title":{"type":"string","pattern":"\#(pattern)"}}}"#)
                    #expect(response.status == .created || response.status == .ok, "\(pattern): \(response.text)")
                }
            }
        }

        /// A schema stored before the rule (written to the store directly) still cannot
        /// hold a publish: matching stops when the document's budget is spent.
        @Test(.timeLimit(.minutes(1))) func aStoredCatastrophicPatternIsStoppedByTheBudget() async throws {
            let h = try await ServerHarness()
            _ = try await h.conveyor.backend.eventBus.saveTopicSchema(
                TopicSchema(
                    topic: "entry.saved",
                    schema: ["type": "object", "properties": ["title": ["type": "string", "pattern": "^(a+)+$"]]],
                    updatedAt: Date()))
            try await h.run { client in
                // 40 characters: about 2^40 steps of backtracking without a bound.
                let title = String(repeating: "a", count: 40) + "!"
                let response = try await client.send(.post, "/v1/events", json: #"{"topic":"entry.saved","data":{"title":"\#(title)"}}"#)
                let problem = try expectProblem(response, .unprocessableContent, type: "validation")
                #expect(problem.fields == ["data.title"])
                #expect(problem.errors?.first?.message.contains("within the time allowed") == true, "\(response.text)")
                let fine = try await client.send(.post, "/v1/events", json: #"{"topic":"entry.saved","data":{"title":"aaaa"}}"#)
                #expect(fine.status == .created, "\(fine.text)")
            }
        }

        @Test func aLongValueIsNotMatchedAgainstAPattern() throws {
            let schema = try JSONSchema(["type": "string", "pattern": "^a*$"])
            #expect(schema.validate(.string(String(repeating: "a", count: 10_000))).isEmpty)
            let long = schema.validate(.string(String(repeating: "a", count: 10_001)))
            #expect(long.count == 1 && long[0].message.contains("at most 10000"))
        }
    }
}
