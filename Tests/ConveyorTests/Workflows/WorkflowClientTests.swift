import ConveyorClient
import ConveyorCore
import Foundation
import Testing

extension WorkflowTests {
    /// `ConveyorClient`'s workflow calls against the real API over a socket.
    @Suite("Workflow client") struct ClientTests {
        @Test func submitsReadsListsCancelsAndRetries() async throws {
            try await ServerHarness().withClient { client in
                let built = Workflow("client & co") {
                    Step("a", EchoJob.self, EchoJob.Payload(text: "x"))
                    Step("b", EchoJob.self, EchoJob.Payload(text: "y"), dependsOn: "a")
                }
                let submitted = try await client.submitWorkflow(built)
                #expect(submitted.name == "client & co" && submitted.stepDetails.map(\.state) == ["queued", "pending"])
                let read = try await client.workflow(id: submitted.id)
                #expect(read.id == submitted.id && read.step("b")?.dependsOn == ["a"])
                let page = try await client.listWorkflows(WorkflowQuery(state: .running, name: "client & co", limit: 10))
                #expect(page.workflows.map(\.id) == [submitted.id])
                let cancelled = try await client.cancelWorkflow(id: submitted.id)
                #expect(cancelled.state == .cancelled)
                let retried = try await client.retryWorkflow(id: submitted.id)
                #expect(retried.state == .running)

                // The server's problem comes back typed, naming the field.
                let bad = WorkflowRequest(
                    name: "bad", steps: [WorkflowStepRequest(key: "a", type: "echo", payload: ["text": "x"], dependsOn: ["nope"])])
                do {
                    _ = try await client.submitWorkflow(bad)
                    Issue.record("an unknown dependency was accepted")
                } catch let error as ConveyorClientError {
                    #expect(error.problem?.errors?.map(\.field) == ["steps[0].depends_on[0]"])
                }
            }
        }
    }
}
