import ConveyorCore
import Hummingbird
import HummingbirdTesting
import Testing

extension ServerTests {
    /// A query parameter given twice is a 422 naming it: only the first value was read, so
    /// `?tenant=a&tenant=b` listed tenant a's keys as if b had never been asked for.
    @Suite struct QueryParameterTests {
        @Test(arguments: ["/v1/jobs?state=queued&state=failed", "/v1/api-keys?tenant=a&tenant=b&tenant=c", "/v1/events?after=1&after=2"])
        func aRepeatedParameterIs422NamingIt(uri: String) async throws {
            try await ServerHarness().run { client in
                let problem = try expectProblem(try await client.send(.get, uri), .unprocessableContent, type: "validation")
                let name = String(uri.split(separator: "?")[1].split(separator: "=")[0])
                #expect(problem.errors?.map(\.field) == [name], "\(problem.errors ?? [])")
            }
        }

        @Test func distinctParametersStillWork() async throws {
            try await ServerHarness().run { client in
                let response = try await client.send(.get, "/v1/jobs?state=queued&limit=5")
                #expect(response.status == .ok)
            }
        }
    }
}
