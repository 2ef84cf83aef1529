import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /v1/events`: paging, filters, tenant isolation and the retention window.
@Suite("Event log route") struct EventRoutesTests {
    @Test func pagesAndFilters() async throws {
        let h = try await ServerHarness()
        try await h.run { client in
            let a = try await client.enqueue(#"{"type":"echo","payload":{"text":"a"}}"#)
            let b = try await client.enqueue(#"{"type":"echo","payload":{"text":"b"}}"#)
            #expect(try await client.send(.delete, "/v1/jobs/\(a.id)").status == .ok)

            let all = try await client.send(.get, "/v1/events?after=0").decode(EventPage.self)
            #expect(all.events.map(\.type) == ["job.submitted", "job.submitted", "job.cancelled"])
            #expect(all.nextAfter == all.events.last?.id)
            #expect(try all.events[1].job() == b)

            let first = try await client.send(.get, "/v1/events?after=0&limit=2").decode(EventPage.self)
            #expect(first.events == Array(all.events.prefix(2)) && first.nextAfter == all.events[1].id)
            let rest = try await client.send(.get, "/v1/events?after=\(first.nextAfter)&limit=2").decode(EventPage.self)
            #expect(rest.events == [all.events[2]])

            let cancelled = try await client.send(.get, "/v1/events?topic=job.cancelled").decode(EventPage.self)
            #expect(cancelled.events.map(\.key) == [a.id])
            let byKey = try await client.send(.get, "/v1/events?key=\(b.id)").decode(EventPage.self)
            #expect(byKey.events.map(\.type) == ["job.submitted"])
            let wildcard = try await client.send(.get, "/v1/events?topic=job.*").decode(EventPage.self)
            #expect(wildcard.events == all.events)

            let bad = try await client.send(.get, "/v1/events?after=-1&topic=a*b&limit=0&status=x")
            #expect(bad.status == .unprocessableContent)
            let fields = try bad.decode(Problem.self).errors?.map(\.field) ?? []
            #expect(Set(fields) == ["after", "topic", "limit", "status"])
        }
    }

    @Test func aReaderBehindTheRetentionWindowGets410() async throws {
        let h = try await ServerHarness()
        try await h.run { client in
            for text in ["a", "b", "c"] { _ = try await client.enqueue(#"{"type":"echo","payload":{"text":"\#(text)"}}"#) }
            let all = try await client.send(.get, "/v1/events").decode(EventPage.self)
            _ = try await h.conveyor.backend.events.pruneEvents(before: Date().addingTimeInterval(60), limit: 2)
            let gone = try await client.send(.get, "/v1/events?after=\(all.events[0].id)")
            #expect(gone.status == .gone)
            #expect(gone.headers[.contentType] == "application/problem+json")
            let problem = try gone.decode(Problem.self)
            #expect(problem.oldestAvailableID == all.events[1].id + 1)
            // From the oldest available on, reading works again.
            let resumed = try await client.send(.get, "/v1/events?after=\(problem.oldestAvailableID! - 1)")
            #expect(try resumed.decode(EventPage.self).events == [all.events[2]])
        }
    }

    @Test func aTenantReadsOnlyItsOwnEvents() async throws {
        let h = try await AuthHarness()
        let own = try await h.seedJob(tenant: "globex")
        let other = try await h.seedJob(tenant: "acme")
        let reader = try await h.token(tenant: "globex", scopes: [.eventsRead])
        let admin = try await h.token(tenant: "globex", scopes: [.admin])
        try await h.run { client in
            let mine = try await client.send(.get, "/v1/events", bearer: reader).decode(EventPage.self)
            #expect(mine.events.map(\.key) == [own.id])
            let forbidden = try await client.send(.get, "/v1/events?tenant=acme", bearer: reader)
            #expect(forbidden.status == .forbidden)
            let everyone = try await client.send(.get, "/v1/events", bearer: admin).decode(EventPage.self)
            #expect(Set(everyone.events.map(\.key)) == [own.id, other.id])
            let acme = try await client.send(.get, "/v1/events?tenant=acme", bearer: admin).decode(EventPage.self)
            #expect(acme.events.map(\.key) == [other.id])
            // The stream is isolated the same way: its replay holds only the tenant's events.
            let stream = try await client.send(.get, "/v1/events/stream?after=0&live=false", bearer: reader)
            #expect(stream.status == .ok)
            #expect(stream.text.contains(own.id) && !stream.text.contains(other.id))
        }
    }
}
