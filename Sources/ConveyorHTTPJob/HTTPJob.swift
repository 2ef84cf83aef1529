import AsyncHTTPClient
import ConveyorCore
import Foundation
import NIOCore
import NIOHTTP1

/// The built-in `http` job type: calls a URL, with Cloud Tasks semantics, so any language
/// can use Conveyor by enqueueing a request instead of writing a Swift handler.
///
/// - A 2xx response succeeds; the job's result is a ``Response``. The status decides even
///   if the body then breaks off or stalls: the receiver has done the work.
/// - The target must pass the client's ``OutboundTargetPolicy`` at enqueue and, by the
///   addresses it resolves to, before each request (docs/security.md).
/// - Redirects are not followed: a 3xx fails the attempt naming its `Location`, unless the
///   payload sets `follow_redirects`, and then every hop is checked (at most 5).
/// - 408, 5xx, connection errors and timeouts are retried. A `Retry-After` header sets
///   the delay (``JobControl/retry(after:reason:)``); without one, the job's backoff applies.
/// - 429 is the upstream's rate limit: the job runs again after `Retry-After` (30 s without
///   one, at most an hour) without spending an attempt (``JobControl/rateLimited(retryAfter:pauseKey:)``);
///   with `pause_key_on_429` in the payload, its queue's concurrency key waits too.
/// - Any other 4xx fails the job at once (``JobControl/fail(_:)``): the request itself is
///   wrong, so repeating it cannot help.
///
/// Each request carries `x-conveyor-job-id` and `x-conveyor-attempt`, so the receiver can
/// deduplicate: delivery is at least once.
public struct HTTPJob: JobHandler {
    public static let type = "http"

    public static let defaults = JobDefaults(queue: "default", maxAttempts: 3, backoff: .default, timeoutSeconds: 30)

    /// The most response bytes read. Reading a little more than the excerpt lets typical
    /// responses finish, so their connection can be reused; a larger body is abandoned.
    public static let responseReadLimit = 64 * 1024
    /// The bytes of the response kept in ``Response/bodyExcerpt``.
    public static let excerptLimit = 4 * 1024
    /// The bytes of the response quoted in an error, which is stored with every attempt.
    public static let errorExcerptLimit = 1024
    /// The longest `Retry-After` honoured, so a bogus header cannot park a job for years.
    public static let maxRetryAfter: Duration = .seconds(86_400)
    /// How long a 429 without a readable `Retry-After` holds the job.
    public static let defaultRateLimitWait: Duration = .seconds(30)
    /// The shortest a 429 holds the job, whatever `Retry-After` says.
    public static let minRateLimitWait: Duration = .seconds(1)
    /// The longest a 429 holds the job (and with `pause_key_on_429`, its key). A 429
    /// spends no attempt, so past this the job simply asks again.
    public static let maxRateLimitWait: Duration = .seconds(3600)

    let client: OutboundHTTPClient
    let requestTimeout: TimeAmount

    /// - Parameters:
    ///   - client: Sends the requests, to targets its policy allows. It is shared, not
    ///     owned: the caller shuts it down.
    ///   - requestTimeout: How long one request may take, response body included. The
    ///     job's `timeout_seconds` also applies; whichever is shorter ends the attempt.
    public init(client: OutboundHTTPClient, requestTimeout: TimeAmount = .seconds(30)) {
        self.client = client
        self.requestTimeout = requestTimeout
    }

    /// Refuses, at enqueue, a URL the policy would refuse at send time (a 422 naming
    /// `payload.url`). Names are judged again by their addresses before each request.
    public func validate(_ payload: Payload) throws {
        if let refusal = client.policy.refusal(url: payload.url) {
            throw DecodingError.dataCorrupted(.init(codingPath: [Payload.CodingKeys.url], debugDescription: refusal))
        }
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> Response {
        let target = "\(payload.method) \(payload.url)"
        let request = try await payload.httpRequest(context: context)
        let deadline = NIODeadline.now() + requestTimeout
        // A node that stalled past its lease must not send: the job may have run elsewhere.
        try context.checkLease()
        do {
            return try await client.send(
                request, followRedirects: payload.followRedirects, deadline: deadline, logger: context.logger
            ) { response in
                // From here the status decides. Retrying a 2xx because its body broke off would
                // deliver the same work twice, so a short body only shortens the excerpt.
                let body = await BoundedBody.read(response.body, limit: Self.responseReadLimit, deadline: deadline)
                if Task.isCancelled { throw CancellationError() }
                if let error = body.error {
                    context.logger.warning(
                        "the response body broke off; keeping what arrived",
                        metadata: ["target": "\(target)", "error": "\(String(describing: error))"])
                }
                return try StatusPolicy.outcome(
                    target: target, status: Int(response.status.code), headers: response.headers, body: body.bytes, now: Date(),
                    pauseKey: payload.pauseKeyOn429, followedRedirects: payload.followRedirects)
            }
        } catch let error as OutboundHTTPError {
            // The engine cancels us on job cancel, timeout or shutdown; it decides what that
            // means, so report the cancellation rather than blame the endpoint.
            if Task.isCancelled { throw CancellationError() }
            let detail = error.kind == .timeout ? "timed out after \(Double(requestTimeout.nanoseconds) / 1e9)s" : error.description
            throw HTTPJobError(target: target, status: nil, detail: detail, kind: error.kind.rawValue)
        }
    }
}
