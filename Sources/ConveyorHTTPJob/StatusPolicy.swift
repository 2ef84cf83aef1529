import ConveyorCore
import Foundation
import NIOCore
import NIOHTTP1

/// What a response status means for the job, following Cloud Tasks: success, a retry, or
/// a permanent failure.
enum StatusPolicy {
    /// Returns the job's result for a 2xx response and throws for anything else.
    ///
    /// A 429 is the upstream's rate limit, not a failure: the job waits for `Retry-After`
    /// (``HTTPJob/defaultRateLimitWait`` without one, between ``HTTPJob/minRateLimitWait``
    /// and ``HTTPJob/maxRateLimitWait``)
    /// without spending an attempt, and with `pauseKey` its whole concurrency key waits.
    static func outcome(
        target: String, status: Int, headers: HTTPHeaders, body: ByteBuffer, now: Date, pauseKey: Bool = false,
        followedRedirects: Bool = false
    ) throws -> HTTPJob.Response {
        if (200..<300).contains(status) {
            return HTTPJob.Response(
                status: status, bodyExcerpt: BoundedBody.excerpt(body, limit: HTTPJob.excerptLimit),
                contentType: headers.first(name: "content-type"))
        }
        let error = HTTPJobError(
            target: target, status: status, detail: BoundedBody.excerpt(body, limit: HTTPJob.errorExcerptLimit))
        if status == 429 {
            let asked =
                RetryAfter.delay(headers.first(name: "retry-after"), now: now, maximum: HTTPJob.maxRateLimitWait)
                ?? HTTPJob.defaultRateLimitWait
            // "Retry-After: 0" (or a date just past) must not turn into a claim-429-snooze busy loop.
            throw JobControl.rateLimited(retryAfter: max(asked, HTTPJob.minRateLimitWait), pauseKey: pauseKey)
        }
        if isRetryable(status) {
            if let delay = RetryAfter.delay(headers.first(name: "retry-after"), now: now, maximum: HTTPJob.maxRetryAfter) {
                throw JobControl.retry(after: delay, reason: error.description)
            }
            throw error
        }
        if (300..<400).contains(status) {
            let location = headers.first(name: "location").map { "to \($0) " } ?? ""
            let why =
                followedRedirects
                ? "redirects \(location)after \(OutboundHTTPClient.maxRedirects) hops; not followed further"
                : "redirects \(location)and redirects are not followed; set \"follow_redirects\": true to follow them"
            throw HTTPJobError(target: target, status: status, detail: why, kind: "redirect")
        }
        if (400..<500).contains(status) {
            throw JobControl.fail(error.description)
        }
        // A 1xx: odd rather than known-permanent, so let the backoff and max_attempts decide.
        throw error
    }

    /// Statuses that say "not now" rather than "never": timeouts, rate limits, server errors.
    static func isRetryable(_ status: Int) -> Bool {
        status == 408 || status == 429 || (500..<600).contains(status)
    }
}
