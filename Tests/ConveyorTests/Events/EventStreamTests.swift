import ConveyorCore
import ConveyorServer
import ConveyorSQLite
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import ServiceLifecycle
import Testing

/// `GET /v1/events/stream` over a real loopback connection.
@Suite("Event stream (SSE)") struct EventStreamTests {
    /// The API with a running engine (when `engine`), on a live port.
    struct Live {
        let conveyor: Conveyor
        let store: SQLiteJobStore

        init() async throws {
            store = try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite"))
            try await store.migrate()
            var jobs = JobRegistry()
            jobs.register(EchoJob())
            conveyor = Conveyor(store: store, registry: jobs)
        }

        func run(
            engine: Bool = false, keepAlive: Duration = .seconds(15), buffer: Int = 1000,
            _ test: @Sendable @escaping (Int) async throws -> Void
        ) async throws {
            let services: [any Service] =
                engine
                ? [ConveyorEngine(conveyor: conveyor, queues: [QueueWorkerConfiguration(queue: "default", concurrency: 4)])]
                : []
            var logger = Logger(label: "conveyor.sse.test")
            logger.logLevel = .warning
            let app = buildApplication(
                conveyor: conveyor,
                configuration: ServerConfiguration(eventStreamKeepAlive: keepAlive, eventStreamBuffer: buffer),
                registry: PrometheusCollectorRegistry(), services: services, logger: logger)
            try await app.test(.live) { client in try await test(try #require(client.port)) }
        }

        func enqueue(_ count: Int = 1, text: String = "hi", queue: String? = nil) async throws -> [Job] {
            var request = EnqueueRequest(type: "echo", payload: ["text": .string(text)])
            request.queue = queue
            return try await conveyor.enqueue(Array(repeating: request, count: count)).map(\.job)
        }
    }

    @Test func deliversTheLiveEventsOfARunningJob() async throws {
        let live = try await Live()
        try await live.run(engine: true) { port in
            let stream = try await SSEConnection.open(port: port, path: "/v1/events/stream?topic=job.*")
            #expect(stream.status == 200 && stream.contentType == "text/event-stream")
            try await stream.items.comment("connected")
            let job = try await live.enqueue()[0]
            let messages = try await stream.items.messages(3)
            #expect(messages.map { if case .message(_, let e, _) = $0 { e } else { "" } } == ["job.submitted", "job.started", "job.succeeded"])
            guard case .message(let id, _, let data) = messages[2] else { return }
            let event = try ConveyorJSON.decode(LogEvent.self, from: Data(data.utf8))
            #expect(event.id == id && event.key == job.id)
            let stored = try await live.conveyor.job(id: job.id)
            // The same bytes GET /v1/jobs/{id} answers.
            #expect(try ConveyorJSON.encode(event.data) == ConveyorJSON.encode(stored))
            stream.task.cancel()
        }
    }

    @Test func resumesFromLastEventIDWithNoGapAndNoDuplicate() async throws {
        let live = try await Live()
        try await live.run { port in
            _ = try await live.enqueue(5)
            let first = try await SSEConnection.open(port: port, path: "/v1/events/stream?after=0")
            let seen = try await first.items.messages(2).compactMap(\.id)
            first.task.cancel()
            // Written while the client was away.
            _ = try await live.enqueue(3)
            let resumed = try await SSEConnection.open(port: port, path: "/v1/events/stream", lastEventID: seen.last!)
            let replayed = try await resumed.items.messages(6).compactMap(\.id)
            // And the stream goes on live.
            _ = try await live.enqueue(1)
            let next = try await resumed.items.messages(1).compactMap(\.id)
            resumed.task.cancel()
            let log = try await live.store.readEvents(EventQuery(after: 0, limit: 100)).events.map(\.id)
            #expect(seen + replayed + next == log)
        }
    }

    @Test func sendsKeepAliveComments() async throws {
        let live = try await Live()
        try await live.run(keepAlive: .milliseconds(100)) { port in
            let stream = try await SSEConnection.open(port: port, path: "/v1/events/stream")
            try await stream.items.comment("keep-alive")
            stream.task.cancel()
        }
    }

    @Test func filtersByTopicJobAndQueue() async throws {
        let live = try await Live()
        try await live.run { port in
            let byQueue = try await SSEConnection.open(port: port, path: "/v1/events/stream?queue=mail")
            try await byQueue.items.comment("connected")
            let cancelledOnly = try await SSEConnection.open(port: port, path: "/v1/events/stream?topic=job.cancelled")
            try await cancelledOnly.items.comment("connected")
            let plain = try await live.enqueue(2)
            let mail = try await live.enqueue(1, queue: "mail")[0]
            let byJob = try await SSEConnection.open(port: port, path: "/v1/events/stream?after=0&job_id=\(plain[1].id)")
            _ = try await live.conveyor.cancel(id: plain[1].id)
            _ = try await live.conveyor.cancel(id: mail.id)

            let mailEvents = try await byQueue.items.messages(2)
            #expect(try mailEvents.map { try key(of: $0) } == [mail.id, mail.id])
            let cancelled = try await cancelledOnly.items.messages(2)
            #expect(try cancelled.map { try key(of: $0) } == [plain[1].id, mail.id])
            let jobEvents = try await byJob.items.messages(2)
            #expect(try jobEvents.map { try key(of: $0) } == [plain[1].id, plain[1].id])
            for stream in [byQueue, cancelledOnly, byJob] { stream.task.cancel() }
        }
    }

    @Test func aSlowClientIsDisconnectedWhileAFastOneKeepsReceiving() async throws {
        let live = try await Live()
        // Big events, so a client that stops reading fills the sockets' buffers quickly.
        let text = String(repeating: "x", count: 10_000)
        let total = 4000
        // A buffer of 1,000 events (10 MB) gives the fast client slack on a loaded machine;
        // the slow one, which reads nothing, still overflows it long before the end.
        try await live.run(buffer: 1000) { port in
            let fast = try await SSEConnection.open(port: port, path: "/v1/events/stream")
            try await fast.items.comment("connected")
            let (gate, open) = AsyncStream.makeStream(of: Void.self)
            let slow = try await SSEConnection.open(port: port, path: "/v1/events/stream", gate: gate)
            let received = Task { try await fast.items.messages(total, timeout: .seconds(120)).compactMap(\.id) }
            for _ in 0..<(total / 25) {
                _ = try await live.enqueue(25, text: text)
                // Paced like a busy system rather than one burst, so the fast client keeps up.
                try await Task.sleep(for: .milliseconds(15))
            }
            let ids = try await received.value
            let log = try await live.store.readEvents(EventQuery(after: 0, limit: total)).events.map(\.id)
            #expect(ids == log, "the fast client missed events")
            // The slow one was cut off: once it reads again it finds what the sockets held,
            // then the end of a connection the server closed, not the rest of the events.
            open.yield()
            let outcome = Task {
                var count = 0
                do {
                    for try await item in slow.items where item.id != nil { count += 1 }
                } catch {}
                return count
            }
            let deadline = Task {
                try await Task.sleep(for: .seconds(30))
                outcome.cancel()
            }
            let slowCount = await outcome.value
            deadline.cancel()
            #expect(slowCount < total, "the slow client was never disconnected")
        }
    }
}

private func key(of item: SSEItem) throws -> String {
    guard case .message(_, _, let data) = item else { return "" }
    return try ConveyorJSON.decode(LogEvent.self, from: Data(data.utf8)).key
}
