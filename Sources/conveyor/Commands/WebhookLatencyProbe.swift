import ConveyorCore
import ConveyorWebhooks
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `conveyor bench --webhook`: a receiver on a loopback port, one endpoint for
/// `job.submitted`, and the webhook service running in process. Measures enqueue (the
/// state change) to receipt on an idle system, then deliveries per second to the one
/// endpoint for a burst of events.
struct WebhookLatencyProbe {
    let conveyor: Conveyor
    let logger: Logger

    struct Figures {
        var latencies: [Double]
        var delivered: Int
        var seconds: Double
    }

    func measure(queue: String, samples: Int, burst: Int, concurrency: Int = 50) async throws -> Figures {
        let arrivals = Arrivals()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let body = try await request.body.collect(upTo: 16 * 1024 * 1024)
            if let event = try? ConveyorJSON.decode(LogEvent.self, from: Data(body.readableBytesView)) {
                await arrivals.arrived(event.key)
            }
            return Response(status: .noContent)
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                if let port = channel.localAddress?.port { portContinuation.yield(port) }
                portContinuation.finish()
            },
            logger: logger)
        let receiver = ServiceGroup(services: [app], logger: logger)
        let receiverRun = Task { try await receiver.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ValidationErrorText("the webhook receiver did not start") }

        let settings = WebhookSettings(targets: OutboundTargetPolicy(allowHosts: ["127.0.0.1"], allowOption: "--webhook-allow-host"))
        let endpoint = try await conveyor.createWebhook(
            WebhookEndpointRequest(url: "http://127.0.0.1:\(port)/hook", events: ["job.submitted"], maxConcurrency: concurrency),
            settings: settings)
        let service = WebhookService(conveyor: conveyor, settings: settings, owner: "bench-webhooks")
        let serviceRun = Task { try await service.run() }
        let job = EnqueueRequest(type: "bench.noop", queue: queue, payload: [:])

        var latencies: [Double] = []
        for _ in 0..<samples {
            let start = ContinuousClock.now
            let id = try await conveyor.enqueue([job])[0].job.id
            await arrivals.wait(for: id)
            latencies.append(start.duration(to: .now).seconds * 1000)
            try await Task.sleep(for: .milliseconds(3))
        }

        let before = await arrivals.count
        let burstStart = ContinuousClock.now
        var remaining = burst
        while remaining > 0 {
            let n = min(1000, remaining)
            _ = try await conveyor.enqueue(Array(repeating: job, count: n))
            remaining -= n
        }
        await arrivals.waitForCount(before + burst)
        let seconds = burstStart.duration(to: .now).seconds

        serviceRun.cancel()
        _ = try? await serviceRun.value
        // A failed attempt on loopback is a bug to chase, not noise: say what it was.
        var failures: [String] = []
        var cursor: String?
        repeat {
            let page = try await conveyor.webhookDeliveries(endpointID: endpoint.id, cursor: cursor, limit: 500)
            for attempt in page.deliveries.flatMap(\.attempts) where attempt.statusCode.map({ $0 >= 300 }) ?? true {
                failures.append(attempt.error ?? "status \(attempt.statusCode ?? 0)")
            }
            cursor = page.nextCursor
        } while cursor != nil
        if !failures.isEmpty {
            print("webhook:   \(failures.count) failed attempts on loopback, e.g. \(Set(failures).prefix(3).joined(separator: "; "))")
        }
        try? await conveyor.deleteWebhook(id: endpoint.id)
        await receiver.triggerGracefulShutdown()
        _ = try? await receiverRun.value
        return Figures(latencies: latencies, delivered: burst, seconds: seconds)
    }
}

private struct ValidationErrorText: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Who arrived, and waiters for one key or for a count.
private actor Arrivals {
    private var seen: Set<String> = []
    private(set) var count = 0
    private var waiters: [String: CheckedContinuation<Void, Never>] = [:]
    private var countWaiter: (target: Int, continuation: CheckedContinuation<Void, Never>)?

    func arrived(_ key: String) {
        guard seen.insert(key).inserted else { return }
        count += 1
        waiters.removeValue(forKey: key)?.resume()
        if let waiter = countWaiter, count >= waiter.target {
            countWaiter = nil
            waiter.continuation.resume()
        }
    }

    func wait(for key: String) async {
        if seen.contains(key) { return }
        await withCheckedContinuation { waiters[key] = $0 }
    }

    func waitForCount(_ target: Int) async {
        if count >= target { return }
        await withCheckedContinuation { countWaiter = (target, $0) }
    }
}
