import AsyncHTTPClient
import ConveyorCore
import ConveyorHTTPJob
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import Testing

/// The `http` job against hostile targets. Every refusal is checked to happen before a
/// connection: the only peer is a receiver on loopback, which must see nothing. No test
/// sends traffic to any other address.
@Suite struct HTTPJobTargetTests {
    let context = JobContext(id: "0190f3b2-0000-7000-8000-000000000002", type: "http", attempt: 1)

    func payload(_ json: String) throws -> HTTPJob.Payload {
        try ConveyorJSON.decode(HTTPJob.Payload.self, from: Data(json.utf8))
    }

    /// At enqueue: a refused URL is a 422 naming `payload.url`, and nothing is stored.
    @Test(arguments: [
        "http://127.0.0.1:9/", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest/meta-data",
        "http://localhost:8080/metrics", "http://0177.0.0.1/", "http://10.0.0.1/",
    ])
    func enqueueRefusesATargetThePolicyRefuses(url: String) async throws {
        let client = OutboundHTTPClient(policy: OutboundTargetPolicy())
        defer { Task { try? await client.shutdown() } }
        var registry = JobRegistry()
        registry.register(HTTPJob(client: client))
        let store = try await StoreKind.sqlite.make()
        let conveyor = Conveyor(store: store, registry: registry)
        let error = await #expect(throws: ConveyorError.self) {
            try await conveyor.enqueue([EnqueueRequest(type: HTTPJob.type, payload: ["url": .string(url)])])
        }
        #expect(error?.code == .validation)
        #expect(error?.failures.map(\.field) == ["payload.url"], "\(String(describing: error))")
        #expect(try await store.listJobs(JobQuery()).jobs.isEmpty)
    }

    /// At send time, the same policy: a job stored before the policy changed (or a
    /// handler called directly) is refused without a connection.
    @Test func sendTimeRefusesALiteralLoopbackTarget() async throws {
        let client = OutboundHTTPClient(policy: OutboundTargetPolicy())
        defer { Task { try? await client.shutdown() } }
        try await LoopbackReceiver.with({ _ in .text(200, "ok") }) { receiver in
            let error = await #expect(throws: HTTPJobError.self) {
                try await HTTPJob(client: client).run(payload(#"{"url":"\#(receiver.url())"}"#), context: context)
            }
            #expect(error?.kind == "refused")
            #expect(error?.detail.contains("loopback") == true)
            #expect(receiver.received.isEmpty)
        }
    }

    /// DNS rebinding: a name that resolves to loopback at send time is refused, and the
    /// client never resolves it again by itself.
    @Test func aNameResolvingToLoopbackIsRefusedBeforeConnecting() async throws {
        let client = OutboundHTTPClient(policy: OutboundTargetPolicy(), resolve: { _ in [IPAddress("127.0.0.1")!] })
        defer { Task { try? await client.shutdown() } }
        try await LoopbackReceiver.with({ _ in .text(200, "ok") }) { receiver in
            let error = await #expect(throws: HTTPJobError.self) {
                try await HTTPJob(client: client).run(
                    payload(#"{"url":"http://rebind.test:\#(receiver.port)/"}"#), context: context)
            }
            #expect(error?.kind == "refused")
            #expect(error?.detail.contains("rebind.test resolves to 127.0.0.1, loopback") == true, "\(String(describing: error))")
            #expect(receiver.received.isEmpty)
        }
    }

    /// The connection goes to the checked address: `pinned.test` exists only in this
    /// test's resolver, so the request can arrive only if the client used that address
    /// instead of asking the system resolver.
    @Test func theConnectionGoesToTheCheckedAddress() async throws {
        let asked = Mutex<[String]>([])
        let client = OutboundHTTPClient(
            policy: OutboundTargetPolicy(allowHosts: ["127.0.0.1"]),
            resolve: { name in
                asked.withLock { $0.append(name) }
                return [IPAddress("127.0.0.1")!]
            })
        defer { Task { try? await client.shutdown() } }
        try await LoopbackReceiver.with({ _ in .text(200, "ok") }) { receiver in
            let result = try await HTTPJob(client: client).run(
                payload(#"{"url":"http://pinned.test:\#(receiver.port)/hook"}"#), context: context)
            #expect(result.status == 200)
            #expect(asked.withLock { $0 } == ["pinned.test"])
        }
    }

    @Test func aRedirectIsNotFollowedByDefault() async throws {
        let client = OutboundHTTPClient(policy: OutboundTargetPolicy(allowLoopback: true))
        defer { Task { try? await client.shutdown() } }
        try await LoopbackReceiver.with({ request in
            request.target == "/start" ? .text(302, "", headers: [.location: "/next"]) : .text(200, "arrived")
        }) { receiver in
            let error = await #expect(throws: HTTPJobError.self) {
                try await HTTPJob(client: client).run(payload(#"{"url":"\#(receiver.url("/start"))"}"#), context: context)
            }
            #expect(error?.kind == "redirect")
            #expect(error?.status == 302)
            #expect(error?.detail.contains("to /next") == true)
            #expect(error?.detail.contains("follow_redirects") == true)
            #expect(receiver.received.map(\.target) == ["/start"])
        }
    }

    @Test func followRedirectsFollowsCheckedHops() async throws {
        let client = OutboundHTTPClient(policy: OutboundTargetPolicy(allowLoopback: true))
        defer { Task { try? await client.shutdown() } }
        try await LoopbackReceiver.with({ request in
            switch request.target {
            case "/a": .text(307, "", headers: [.location: "/b"])
            case "/b": .text(303, "", headers: [.location: "/c"])
            default: .text(200, "arrived")
            }
        }) { receiver in
            let result = try await HTTPJob(client: client).run(
                payload(#"{"url":"\#(receiver.url("/a"))","follow_redirects":true,"body":{"x":1}}"#), context: context)
            #expect(result.bodyExcerpt == "arrived")
            #expect(receiver.received.map(\.method) == ["POST", "POST", "GET"])
            #expect(receiver.received.map(\.target) == ["/a", "/b", "/c"])
            #expect(receiver.received[2].body.isEmpty)
        }
    }

    /// A hop to a refused address is refused before any connection to it.
    @Test(arguments: ["http://169.254.169.254/latest/meta-data", "http://0x0a000001/", "http://[::ffff:10.0.0.1]/"])
    func aRedirectToARefusedTargetIsRefused(location: String) async throws {
        let client = OutboundHTTPClient(policy: OutboundTargetPolicy(allowHosts: ["127.0.0.1/32"]))
        defer { Task { try? await client.shutdown() } }
        try await LoopbackReceiver.with({ _ in .text(302, "", headers: [.location: location]) }) { receiver in
            let error = await #expect(throws: HTTPJobError.self) {
                try await HTTPJob(client: client).run(
                    payload(#"{"url":"\#(receiver.url("/start"))","follow_redirects":true}"#), context: context)
            }
            #expect(error?.kind == "refused", "\(String(describing: error))")
            #expect(receiver.received.count == 1)
        }
    }

    @Test func redirectsStopAfterFiveHops() async throws {
        let client = OutboundHTTPClient(policy: OutboundTargetPolicy(allowLoopback: true))
        defer { Task { try? await client.shutdown() } }
        try await LoopbackReceiver.with({ request in
            let n = Int(request.target.dropFirst()) ?? 0
            return .text(302, "", headers: [.location: "/\(n + 1)"])
        }) { receiver in
            let error = await #expect(throws: HTTPJobError.self) {
                try await HTTPJob(client: client).run(
                    payload(#"{"url":"\#(receiver.url("/0"))","follow_redirects":true}"#), context: context)
            }
            #expect(error?.kind == "redirect")
            #expect(receiver.received.count == 1 + OutboundHTTPClient.maxRedirects)
        }
    }

    /// The pool is not the limit: 24 requests held open at once all reach the receiver
    /// together (AsyncHTTPClient's default pool of 8 per host sent them in waves).
    @Test func concurrentRequestsToOneHostAreNotQueuedBehindAPool() async throws {
        let client = OutboundHTTPClient(policy: OutboundTargetPolicy(allowLoopback: true))
        defer { Task { try? await client.shutdown() } }
        let count = 24
        let arrived = Mutex(0)
        let peak = Mutex(0)
        try await LoopbackReceiver.with({ _ in
            let now = arrived.withLock { n in
                n += 1
                return n
            }
            peak.withLock { $0 = max($0, now) }
            // Hold every request until all have arrived (a hang guard, not a bound).
            for _ in 0..<300 where arrived.withLock({ $0 }) < count {
                try await Task.sleep(for: .milliseconds(50))
            }
            return .text(200, "ok")
        }) { receiver in
            let job = try payload(#"{"url":"\#(receiver.url())"}"#)
            let handler = HTTPJob(client: client, requestTimeout: .seconds(60))
            let context = context
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<count { group.addTask { try await handler.run(job, context: context).status } }
                for try await status in group { #expect(status == 200) }
            }
            #expect(peak.withLock { $0 } == count)
        }
    }
}
