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
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
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
                        guard let line = block.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }),
                            let event = try? ConveyorJSON.decode(LogEvent.self, from: Data(line.dropFirst(6).utf8))
                        else { continue }
                        await samples.add(received.timeIntervalSince(event.occurredAt) * 1000)
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
