import Hummingbird
import HummingbirdTesting
import Testing

extension ServerTests {
    /// Every method the document leaves out of a known path is a 405 naming the allowed
    /// ones, OPTIONS, TRACE and QUERY included (they answered 404 "no endpoint matches", which
    /// sends a client looking for a typo in the path).
    @Suite struct MethodNotAllowedTests {
        @Test(arguments: [HTTPRequest.Method.options, .trace, HTTPRequest.Method("QUERY")!])
        func unlistedMethodsOfAKnownPathAre405(method: HTTPRequest.Method) async throws {
            try await ServerHarness().run { client in
                let health = try await client.send(method, "/healthz")
                let problem = try expectProblem(health, .methodNotAllowed, type: "method-not-allowed")
                #expect(health.headers[.allow] == "GET, HEAD")
                #expect(problem.detail.contains(method.rawValue))
                let jobs = try await client.send(method, "/v1/jobs/some-id/retry")
                try expectProblem(jobs, .methodNotAllowed)
                #expect(jobs.headers[.allow] == "POST")
            }
        }
    }
}
