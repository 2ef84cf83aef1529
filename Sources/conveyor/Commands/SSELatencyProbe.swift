import AsyncHTTPClient
import ConveyorCore
import ConveyorServer
import Foundation
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// `conveyor bench --sse-clients N`: serves the API in process on a loopback port, holds N
/// SSE clients on `GET /v1/events/stream`, and measures how long an event takes from the
/// state change (its `occurred_at`) to each client.
struct SSELatencyProbe {
    let conveyor: Conveyor
    let clients: Int
    let logger: Logger

    /// Runs `workload` with the clients connected; returns every client's latencies in ms.
    func measure(queue: String, _ workload: @Sendable () async throws -> Void) async throws -> [Double] {
        let port = try Self.freePort()
        let app = buildApplication(
            conveyor: conveyor, configuration: ServerConfiguration(port: port, eventStreamBuffer: 100_000),
            registry: PrometheusCollectorRegistry(), services: [], logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        let server = Task { try await group.run() }
        defer { server.cancel() }
        // One connection per client: the default pool keeps 8 per host and queues the rest
        // behind streams that never end.
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = clients
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        let samples = LatencySamples()
        var readers: [Task<Void, Never>] = []
        var connected = 0
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        for _ in 0..<clients {
            readers.append(
                Task {
                    await Self.read(http: http, port: port, queue: queue, samples: samples, ready: readyContinuation)
                })
        }
        for await _ in ready {
            connected += 1
            if connected == clients { break }
        }
        try await workload()
        // Let the last events reach every client.
        try await Task.sleep(for: .milliseconds(500))
        for reader in readers { reader.cancel() }
        for reader in readers { await reader.value }
        try await http.shutdown()
        await group.triggerGracefulShutdown()
        _ = try? await server.value
        return await samples.all
    }

    private static func read(
        http: HTTPClient, port: Int, queue: String, samples: LatencySamples, ready: AsyncStream<Void>.Continuation
    ) async {
        var delay = 0.05
        // The server needs a moment to bind; retry the first connection.
        for _ in 0..<50 {
            do {
                let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events/stream?queue=\(queue)")
                let response = try await http.execute(request, timeout: .seconds(3600))
                var signalled = false
                var pending = ""
                for try await buffer in response.body {
                    let received = Date()
                    if !signalled {
                        signalled = true
                        ready.yield()
                    }
                    pending += String(buffer: buffer)
                    while let range = pending.range(of: "\n\n") {
                        let block = pending[..<range.lowerBound]
                        pending = String(pending[range.upperBound...])
                        guard let occurred = Self.occurredTimeOfDay(block) else { continue }
                        let now = Int64((received.timeIntervalSince1970 * 1000).rounded()) % 86_400_000
                        await samples.add(Double((now - occurred + 86_400_000) % 86_400_000))
                    }
                }
                return
            } catch {
                if Task.isCancelled { return }
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 0.5)
            }
        }
    }

    /// `occurred_at`'s time of day in ms, read from the text: a hundred clients decoding
    /// every event with a date parser would measure the clients, not the server.
    static func occurredTimeOfDay(_ block: Substring) -> Int64? {
        guard let range = block.range(of: "\"occurred_at\":\"") else { return nil }
        let digits = block[range.upperBound...].utf8.prefix(24).map { Int64($0) - 48 }
        // 2026-01-31T12:34:56.789Z: hours at 11, minutes 14, seconds 17, millis 20.
        guard digits.count == 24 else { return nil }
        func number(_ at: Int, _ count: Int) -> Int64 { digits[at..<(at + count)].reduce(0) { $0 * 10 + $1 } }
        return ((number(11, 2) * 60 + number(14, 2)) * 60 + number(17, 2)) * 1000 + number(20, 3)
    }

    private static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw CocoaError(.fileWriteUnknown) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Latencies collected from every client.
private actor LatencySamples {
    private(set) var all: [Double] = []
    func add(_ sample: Double) { all.append(sample) }
}
