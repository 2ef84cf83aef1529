import ConveyorCore
import Foundation
import HummingbirdTesting
import Testing

/// NUL (U+0000) is refused on every write path, naming the field, before any store sees
/// it: PostgreSQL cannot store it in jsonb or text, SQLite would keep it, and the two
/// stores must answer alike.
@Suite("NUL characters on every write path")
struct NULCharacterTests {
    static let nul = "a\u{0}b"

    /// Runs `write` and expects a validation failure naming exactly `fields`.
    static func expectRefused(
        _ fields: Set<String>, sourceLocation: SourceLocation = #_sourceLocation, _ write: () async throws -> Void
    ) async {
        do {
            try await write()
            Issue.record("accepted a NUL character; expected a 422 naming \(fields)", sourceLocation: sourceLocation)
        } catch let error as ConveyorError {
            #expect(error.code == .validation, "\(error)", sourceLocation: sourceLocation)
            #expect(Set(error.failures.map(\.field)) == fields, sourceLocation: sourceLocation)
            #expect(error.failures.allSatisfy { $0.message.contains("NUL") }, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected a validation error, got \(String(reflecting: error))", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func everyWritePathRefusesNULNamingTheField(kind: StoreKind) async throws {
        var registry = JobRegistry()
        registry.register(EchoJob())
        let store = try await kind.make()
        let conveyor = Conveyor(store: store, registry: registry)
        let job = try await conveyor.enqueue([EnqueueRequest(type: EchoJob.type, payload: ["text": "hi"], metadata: ["note": "ok"])])[0].job
        _ = try await conveyor.cancel(id: job.id)

        // Enqueue: every string, not only payload and metadata.
        await Self.expectRefused(["payload.text", "tags[1]", "idempotency_key"]) {
            _ = try await conveyor.enqueue([
                EnqueueRequest(type: EchoJob.type, payload: ["text": .string(Self.nul)], idempotencyKey: Self.nul, tags: ["ok", Self.nul])
            ])
        }
        // Job actions: the metadata patch and the rerun's payload override.
        await Self.expectRefused(["payload.note"]) { _ = try await conveyor.editMetadata(id: job.id, patch: ["note": .string(Self.nul)]) }
        await Self.expectRefused(["payload.n\\u0000"]) { _ = try await conveyor.editMetadata(id: job.id, patch: ["n\u{0}": 1]) }
        await Self.expectRefused(["payload.payload.text"]) { _ = try await conveyor.rerun(id: job.id, payloadPatch: ["text": .string(Self.nul)]) }
        #expect(try await conveyor.job(id: job.id).metadata == ["note": "ok"])

        // Workflows, events, topic schemas, triggers, schedules.
        await Self.expectRefused(["steps[0].payload.text"]) {
            _ = try await conveyor.submitWorkflow(
                WorkflowRequest(name: "w", steps: [WorkflowStepRequest(key: "a", type: EchoJob.type, payload: ["text": .string(Self.nul)])]))
        }
        await Self.expectRefused(["data.title"]) {
            _ = try await conveyor.publish(PublishEventRequest(topic: "entry.saved", key: "k", data: ["title": .string(Self.nul)]))
        }
        await Self.expectRefused(["key"]) { _ = try await conveyor.publish(PublishEventRequest(topic: "entry.saved", key: Self.nul)) }
        await Self.expectRefused(["schema.description"]) {
            _ = try await conveyor.saveTopicSchema(topic: "entry.saved", schema: ["type": "object", "description": .string(Self.nul)])
        }
        await Self.expectRefused(["job.tags[0]"]) {
            _ = try await conveyor.createTrigger(TriggerRequest(topic: "entry.*", job: TriggerJob(type: EchoJob.type, tags: [Self.nul])))
        }
        let template = ScheduleJob(type: EchoJob.type, payload: ["text": .string(Self.nul)])
        await Self.expectRefused(["job.payload.text"]) {
            _ = try await conveyor.createSchedule(ScheduleRequest(id: "nightly", cron: "@daily", job: template))
        }
        _ = try await conveyor.createSchedule(
            ScheduleRequest(id: "nightly", cron: "@daily", job: ScheduleJob(type: EchoJob.type, payload: ["text": "x"])))
        await Self.expectRefused(["job.payload.text"]) { _ = try await conveyor.updateSchedule(id: "nightly", patch: SchedulePatch(job: template)) }

        // Webhook endpoints and inbound sources: refused before any other check.
        await Self.expectRefused(["description"]) {
            _ = try await conveyor.createWebhook(
                WebhookEndpointRequest(url: "https://203.0.113.9/hook", events: ["job.*"], description: Self.nul), settings: WebhookSettings())
        }
        await Self.expectRefused(["secret"]) {
            _ = try await conveyor.saveInboundSource(name: "github", InboundSourceRequest(scheme: .hmacSHA256, secret: Self.nul, signatureHeader: "x-sig"))
        }
        let source = InboundSource(name: "github", scheme: .hmacSHA256, secret: "s", signatureHeader: "x-sig")
        await Self.expectRefused(["body.body"]) {
            _ = try await conveyor.receiveInbound(from: source, deliveryID: "d", bodyDigest: "sha256:00", data: ["body": .string(Self.nul)])
        }

        // Nothing of the above was written.
        #expect(try await conveyor.listJobs(JobQuery(limit: 100)).jobs.map(\.id) == [job.id])
        #expect(try await store.readEvents(EventQuery(after: 0, topic: try TopicFilter("entry.*"), limit: 10)).events.isEmpty)
        #expect(try await conveyor.schedule(id: "nightly").job.payload == ["text": "x"])
    }

    /// Over HTTP the answer is a 422 problem naming the field, for the paths that let NUL
    /// through before: `edit_metadata` and `rerun`.
    @Test func jobActionsAnswer422NamingTheField() async throws {
        let h = try await ServerHarness()
        try await h.run { client in
            let created = try await client.send(.post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"hi"}}"#)
            let id = try created.decode(Job.self).id
            _ = try await client.send(.delete, "/v1/jobs/\(id)")
            let edit = try await client.send(.post, "/v1/jobs/\(id)/actions", json: #"{"type":"edit_metadata","payload":{"note":"a\u0000b"}}"#)
            #expect(try expectProblem(edit, .unprocessableContent).fields == ["payload.note"])
            let rerun = try await client.send(.post, "/v1/jobs/\(id)/actions", json: #"{"type":"rerun","payload":{"payload":{"text":"a\u0000b"}}}"#)
            #expect(try expectProblem(rerun, .unprocessableContent).fields == ["payload.payload.text"])
        }
    }
}
