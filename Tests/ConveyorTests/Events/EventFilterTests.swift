import ConveyorCore
import Foundation
import Testing

@Suite("Event filter")
struct EventFilterTests {
    func event(_ type: String, key: String, data: JSONValue) -> LogEvent {
        LogEvent(id: 1, type: type, topic: type, key: key, tenant: "default", occurredAt: Date(), data: data)
    }

    @Test func workflowFilterTakesTheWorkflowsEventsAndItsStepsJobEvents() {
        let filter = EventFilter(workflowID: "wf-1")
        #expect(filter.matches(event("workflow.completed", key: "wf-1", data: ["id": "wf-1"])))
        #expect(filter.matches(event("job.succeeded", key: "job-1", data: ["id": "job-1", "workflow_id": "wf-1"])))
        #expect(!filter.matches(event("job.succeeded", key: "job-2", data: ["id": "job-2", "workflow_id": "wf-2"])))
        #expect(!filter.matches(event("job.succeeded", key: "job-3", data: ["id": "job-3", "workflow_id": nil])))
        #expect(!filter.matches(event("workflow.failed", key: "wf-2", data: ["id": "wf-2"])))
    }
}
