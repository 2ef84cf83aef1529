import ConveyorCore
import ConveyorServer
import ConveyorSQLite
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing

extension ServerTests {
    /// Slow and silent clients cannot exhaust the server (issue 12, slow clients): a real
    /// loopback listener and raw sockets that send half a request and stall.
    @Suite struct SlowClientTests {
        /// Runs a live server with `limits` and hands the test its port.
        static func live(_ limits: ConnectionLimits, _ test: @Sendable (Int) async throws -> Void) async throws {
            let store = try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite"))
            try await store.migrate()
            let registry = PrometheusCollectorRegistry()
            let conveyor = Conveyor(store: store, registry: JobRegistry(), metricsFactory: PrometheusMetricsFactory(registry: registry))
            var configuration = ServerConfiguration()
            configuration.connections = limits
            let app = buildApplication(
                conveyor: conveyor, configuration: configuration, registry: registry, services: [],
                logger: Logger(label: "conveyor.server.test"))
            try await app.test(.live) { client in try await test(try #require(client.port)) }
        }

        static let halfRequest = "GET /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
        static let health = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

        @Test(.timeLimit(.minutes(2))) func halfSentRequestsBeyondTheLimitDoNotLockOutHealthz() async throws {
            let limits = ConnectionLimits(maxConnections: 50, idleTimeout: .seconds(120), headerReadTimeout: .seconds(2))
            try await Self.live(limits) { port in
                // Four times the limit, each stalled mid-header.
                var stalled: [RawSocket] = []
                for _ in 0..<200 {
                    let socket = try RawSocket(port: port)
                    socket.send(Self.halfRequest)
                    stalled.append(socket)
                }
                // A real request still gets in at once: it displaces a stalled connection.
                let answer = await (try RawSocket(port: port)).request(Self.health)
                #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
                // And every stalled connection is closed: displaced, or at its header deadline.
                for socket in stalled {
                    #expect(await socket.waitForClose(timeout: .seconds(30)))
                }
                let again = await (try RawSocket(port: port)).request(Self.health)
                #expect(again.hasPrefix("HTTP/1.1 200"), "\(again)")
            }
        }

        @Test(.timeLimit(.minutes(2))) func aHeadTrickledByteByByteIsClosedAtItsDeadline() async throws {
            // The idle timeout is long; only the header deadline can end this connection.
            let limits = ConnectionLimits(maxConnections: 50, idleTimeout: .seconds(600), headerReadTimeout: .seconds(1))
            try await Self.live(limits) { port in
                let socket = try RawSocket(port: port)
                var closed = false
                // One byte every 100 ms: always active, never finished. A hang guard of
                // 300 bytes (30 s) bounds the loop.
                socket.send("GET / HTTP/1.1\r\n")
                for _ in 0..<300 {
                    socket.send("X")
                    if await socket.waitForClose(timeout: .milliseconds(100)) {
                        closed = true
                        break
                    }
                }
                #expect(closed)
            }
        }

        @Test(.timeLimit(.minutes(2))) func aSilentConnectionIsClosedAfterTheIdleTimeout() async throws {
            let limits = ConnectionLimits(maxConnections: 50, idleTimeout: .seconds(1), headerReadTimeout: .seconds(600))
            try await Self.live(limits) { port in
                let silent = try RawSocket(port: port)
                #expect(await silent.waitForClose(timeout: .seconds(30)))
                // A keep-alive connection that finished its request is idle too.
                let kept = try RawSocket(port: port)
                let answer = await kept.request("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
                #expect(await kept.waitForClose(timeout: .seconds(30)))
            }
        }

        @Test func theDefaultsBoundEveryConnection() {
            let limits = ServerConfiguration().connections
            #expect(limits.maxConnections == 512 && limits.maxConnections < 1024)
            #expect(limits.headerReadTimeout == .seconds(10) && limits.idleTimeout == .seconds(60))
        }
    }
}
