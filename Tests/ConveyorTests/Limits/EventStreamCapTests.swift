import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import ConveyorServer

extension ServerTests {
    /// Open event streams are capped per credential and in total (issue 12, SSE).
    @Suite struct EventStreamCapTests {
        @Test(.timeLimit(.minutes(2))) func streamsBeyondTheCapsAre429WithRetryAfter() async throws {
            let h = try await AuthHarness()
            var configuration = h.configuration
            configuration.eventStreams = EventStreamLimits(perCredential: 2, total: 3, retryAfterSeconds: 7)
            // Frequent keep-alives, so the server notices a closed stream quickly.
            configuration.eventStreamKeepAlive = .milliseconds(100)
            let a = try await h.token(tenant: "default", scopes: [.eventsRead], subject: "a")
            let b = try await h.token(tenant: "default", scopes: [.eventsRead], subject: "b")
            let c = try await h.token(tenant: "default", scopes: [.eventsRead], subject: "c")
            let app = buildApplication(
                conveyor: h.conveyor, configuration: configuration, registry: h.registry, services: [],
                logger: Logger(label: "conveyor.limits.test"), auth: h.auth)
            try await app.test(.live) { client in
                let port = try #require(client.port)
                func open(_ token: String) async throws -> (socket: RawSocket, head: String) {
                    let socket = try RawSocket(port: port)
                    let head = await socket.request(
                        "GET /v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n\r\n")
                    return (socket, head)
                }
                var streams = [try await open(a), try await open(a)]
                #expect(streams.allSatisfy { $0.head.hasPrefix("HTTP/1.1 200") }, "\(streams.map(\.head))")
                let third = try await open(a)
                #expect(third.head.hasPrefix("HTTP/1.1 429"), "\(third.head)")
                #expect(third.head.lowercased().contains("retry-after: 7"))
                #expect(third.head.contains("application/problem+json"))
                streams.append(try await open(b))
                #expect(streams[2].head.hasPrefix("HTTP/1.1 200"), "\(streams[2].head)")
                let overTotal = try await open(c)
                #expect(overTotal.head.hasPrefix("HTTP/1.1 429"), "\(overTotal.head)")
                // One of a's streams closes; its place frees up for c.
                streams.removeFirst()
                var reopened = false
                for _ in 0..<300 where !reopened {
                    let attempt = try await open(c)
                    if attempt.head.hasPrefix("HTTP/1.1 200") {
                        reopened = true
                        streams.append(attempt)
                    } else {
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
                #expect(reopened)
            }
        }

        @Test func slotsAreGivenBackWhenReleased() throws {
            let slots = EventStreamSlots(limits: EventStreamLimits(perCredential: 1, total: 5))
            var held: EventStreamSlot? = try slots.acquire(for: "k")
            #expect(throws: ProblemError.self) { try slots.acquire(for: "k") }
            #expect(held != nil)
            held = nil
            #expect(throws: Never.self) { try slots.acquire(for: "k") }
        }
    }
}
