import AsyncHTTPClient
import ConveyorCore
import ConveyorHTTPJob
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends due webhook deliveries: leases them from the store (a sender that dies leaves
/// its leases to expire, and the deliveries are sent again), signs each request, records
/// each attempt, and schedules the next one by the retry schedule or `Retry-After`.
///
/// Safe to run on several nodes: the store's claim keeps each endpoint within its
/// concurrency limit and, for an ordered endpoint, to one delivery at a time in event order.
public final class WebhookSender: Sendable {
    let conveyor: Conveyor
    public let settings: WebhookSettings
    let client: OutboundHTTPClient
    /// Names this sender in delivery leases.
    public let owner: String
    let maxInFlight: Int
    let pollInterval: Duration
    let leaseDuration: Duration
    private let inFlight = Atomic<Int>(0)
    private let wakes: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    /// The largest response body read, and the excerpt kept of it.
    static let excerptBytes = 1024

    public init(
        conveyor: Conveyor, settings: WebhookSettings, owner: String = ConveyorEngine.defaultOwner(),
        maxInFlight: Int = 256, pollInterval: Duration = .seconds(1),
        resolve: @escaping @Sendable (String) async -> [IPAddress] = TargetResolver.resolveOffThread
    ) {
        self.conveyor = conveyor
        self.settings = settings
        self.owner = owner
        self.maxInFlight = maxInFlight
        self.pollInterval = pollInterval
        // A request may take the connect and response timeouts; the lease outlasts both.
        self.leaseDuration = settings.connectTimeout + settings.responseTimeout + .seconds(30)
        // Its own client: the webhook policy and connect timeout differ from the http job's.
        client = OutboundHTTPClient(policy: settings.targets, connectTimeout: settings.connectTimeout, resolve: resolve)
        (wakes, wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Closes the sender's connections.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// Looks for due deliveries now.
    public func wake() {
        wakeContinuation.yield()
    }

    /// Claims what is due and sends it, returning when every one is recorded: the
    /// deterministic step tests use. Returns how many were sent.
    @discardableResult
    public func sendDue(limit: Int = 100) async throws -> Int {
        let claimed = try await claim(limit: limit)
        await withDiscardingTaskGroup { group in
            for delivery in claimed { group.addTask { await self.deliver(delivery) } }
        }
        return claimed.count
    }

    private func claim(limit: Int) async throws -> [ClaimedWebhookDelivery] {
        let now = conveyor.clock.now()
        return try await conveyor.backend.webhooks.claimWebhookDeliveries(
            owner: owner, limit: limit, leaseUntil: now.addingTimeInterval(leaseDuration.seconds), now: now)
    }

    /// Sends until cancelled: when woken (a dispatched batch, a finished delivery) and
    /// every poll interval, which is also when retries fall due.
    ///
    /// Not on every appended event: every claim and completion batch appends events, and a
    /// claim here is a write transaction, which on SQLite would queue behind, and ahead
    /// of, the job hot path's writes. Only the dispatcher knows a delivery exists.
    public func run() async {
        let poll = pollInterval
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: poll)
                    self.wake()
                }
            }
            var iterator = wakes.makeAsyncIterator()
            var failureDelay = 0.1
            while !Task.isCancelled {
                let room = min(maxInFlight - inFlight.load(ordering: .relaxed), 100)
                if room > 0 {
                    do {
                        let claimed = try await withDeadline(.seconds(15), "claiming webhook deliveries") { try await self.claim(limit: room) }
                        failureDelay = 0.1
                        for delivery in claimed {
                            inFlight.add(1, ordering: .relaxed)
                            group.addTask {
                                await self.deliver(delivery)
                                self.inFlight.subtract(1, ordering: .relaxed)
                                self.wake()
                            }
                        }
                        if claimed.count == room { continue }
                    } catch {
                        if Task.isCancelled { break }
                        conveyor.logger.loopFailure("claiming webhook deliveries failed; retrying", error: error)
                        try? await Task.sleep(for: .seconds(failureDelay))
                        failureDelay = min(failureDelay * 2, 10)
                        continue
                    }
                }
                guard await iterator.next() != nil else { break }
            }
            group.cancelAll()
        }
    }

    /// What one attempt came to.
    struct Result: Sendable {
        var statusCode: Int?
        var response: String?
        var error: String?
        var retryAfter: Duration?
        var succeeded: Bool { error == nil && (statusCode.map { (200..<300).contains($0) } ?? false) }
    }

    /// Sends one delivery and records the attempt. Never throws: a failure is an attempt too.
    func deliver(_ delivery: ClaimedWebhookDelivery) async {
        let started = ContinuousClock.now
        let at = conveyor.clock.now()
        let result = await send(delivery, at: at)
        var logger = conveyor.logger
        logger[metadataKey: "delivery"] = "\(delivery.id)"
        logger[metadataKey: "endpoint"] = "\(delivery.endpoint.id)"
        // Shutting down: an attempt cut short is not the endpoint's failure, so it is not
        // recorded (it would count towards disabling the endpoint). The lease runs out and
        // the delivery is sent again; receivers dedupe by webhook-id.
        if Task.isCancelled {
            logger.notice("shutting down mid-delivery; the delivery is sent again when its lease expires")
            return
        }
        let latency = started.duration(to: .now)
        let now = conveyor.clock.now()
        let outcome: WebhookAttemptOutcome =
            result.succeeded ? .succeeded : settings.outcomeAfterFailure(tries: delivery.tries + 1, retryAfter: result.retryAfter, now: now)
        let next: Date? = if case .retry(let date) = outcome { date } else { nil }
        let attempt = WebhookAttempt(
            attempt: delivery.attempts + 1, at: at, statusCode: result.statusCode,
            latencyMs: Int((latency.seconds * 1000).rounded()), response: result.response,
            error: result.error ?? (result.succeeded ? nil : "status \(result.statusCode ?? 0)"), nextAttemptAt: next)
        do {
            let backend = conveyor.backend
            let disableAfter = settings.disableAfter
            let record = try await withDeadline(.seconds(15), "recording a webhook attempt") {
                try await backend.webhooks.recordWebhookAttempt(
                    deliveryID: delivery.id, owner: self.owner, attempt: attempt, outcome: outcome, disableAfter: disableAfter, now: now)
            }
            if record == nil {
                logger.warning("a webhook attempt was not recorded: the delivery's lease was lost (it will be sent again)")
            } else if record?.disabledEndpoint == true {
                logger.warning("webhook endpoint disabled after failed attempts in a row", metadata: ["error": "\(attempt.error ?? "")"])
                await conveyor.notifier.notify([.eventsAppended])
            }
        } catch {
            if Task.isCancelled {
                logger.notice("shutting down mid-delivery; the delivery is sent again when its lease expires")
                return
            }
            logger.loopFailure("recording a webhook attempt failed; the delivery is sent again when its lease expires", error: error)
        }
    }

    private func send(_ delivery: ClaimedWebhookDelivery, at: Date) async -> Result {
        let endpoint = delivery.endpoint
        let body = Data(delivery.body.utf8)
        let id = "evt_\(delivery.eventID)"
        let timestamp = Int64(at.timeIntervalSince1970.rounded(.down))
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "Conveyor-Webhooks/1")
        request.headers.add(name: "webhook-id", value: id)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(
            name: "webhook-signature", value: WebhookSignature.header(secrets: endpoint.signingSecrets(at: at), id: id, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let timeout = TimeAmount.nanoseconds(Int64(settings.responseTimeout.seconds * 1e9))
        let deadline = NIODeadline.now() + timeout
        do {
            // The client checks the target again, by the addresses it resolves to now, and
            // connects only to a checked one (DNS rebinding); it never follows redirects.
            return try await client.send(request, deadline: deadline) { response in
                let prefix = await BoundedBody.read(response.body, limit: Self.excerptBytes, deadline: deadline)
                let excerpt = BoundedBody.excerpt(prefix.bytes, limit: Self.excerptBytes)
                let status = Int(response.status.code)
                var result = Result(statusCode: status, response: excerpt.isEmpty ? nil : excerpt)
                if (300..<400).contains(status) { result.error = "status \(status): redirects are not followed" }
                if !(200..<300).contains(status) {
                    result.retryAfter = RetryAfter.delay(response.headers.first(name: "retry-after"), now: at, maximum: settings.maxRetryAfter)
                }
                return result
            }
        } catch let error as OutboundHTTPError {
            return Result(error: error.description)
        } catch {
            return Result(error: Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "timed out"
            case .connectTimeout: return "connect timed out"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}
