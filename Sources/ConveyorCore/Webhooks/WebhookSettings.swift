import Foundation

/// How outbound webhooks behave; the server's flags set it (`--webhook-allow-host`, …).
public struct WebhookSettings: Sendable, Hashable {
    /// Which targets may be called (checked at creation and before each delivery).
    public var targets: OutboundTargetPolicy
    /// How long a rotated-out secret keeps signing.
    public var rotationOverlap: Duration
    /// Delays before each attempt: the first is the first attempt's (normally 0). When
    /// the last attempt fails the delivery is `failed`.
    public var retrySchedule: [Duration]
    /// Failed attempts in a row that disable an endpoint.
    public var disableAfter: Int
    public var connectTimeout: Duration
    public var responseTimeout: Duration
    /// The longest `Retry-After` honoured.
    public var maxRetryAfter: Duration
    /// How long finished (succeeded or failed) deliveries stay in the delivery log.
    public var deliveryRetention: Duration = .seconds(7 * 86400)

    public static let defaultRetrySchedule: [Duration] = [
        .zero, .seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18000), .seconds(36000), .seconds(36000),
    ]

    public init(
        targets: OutboundTargetPolicy = OutboundTargetPolicy(allowOption: "--webhook-allow-host"), rotationOverlap: Duration = .seconds(86400),
        retrySchedule: [Duration] = WebhookSettings.defaultRetrySchedule, disableAfter: Int = 5,
        connectTimeout: Duration = .seconds(5), responseTimeout: Duration = .seconds(15), maxRetryAfter: Duration = .seconds(86400)
    ) {
        self.targets = targets
        self.rotationOverlap = rotationOverlap
        self.retrySchedule = retrySchedule.isEmpty ? [.zero] : retrySchedule
        self.disableAfter = max(1, disableAfter)
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.maxRetryAfter = maxRetryAfter
    }

    /// What follows a failed attempt, the `tries`-th of this round: the next delay from
    /// the schedule, or the server's `Retry-After` when it asks for longer.
    public func outcomeAfterFailure(tries: Int, retryAfter: Duration?, now: Date) -> WebhookAttemptOutcome {
        guard tries < retrySchedule.count else { return .failed }
        var delay = retrySchedule[tries]
        if let retryAfter { delay = max(delay, min(retryAfter, maxRetryAfter)) }
        return .retry(at: now.addingTimeInterval(delay.seconds).truncatedToMilliseconds)
    }

    /// Parses a schedule such as `0,5s,5m,30m,2h,5h,10h,10h` (a bare number is seconds).
    public static func parseSchedule(_ text: String) -> [Duration]? {
        var result: [Duration] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
            var factor = 1.0
            var number = part
            for (suffix, f) in units where part.hasSuffix(suffix) {
                factor = f
                number = String(part.dropLast(suffix.count))
                break
            }
            guard let value = Double(number), value >= 0 else { return nil }
            result.append(.milliseconds(Int64(value * factor * 1000)))
        }
        return result.isEmpty ? nil : result
    }
}

/// Webhook secrets: `whsec_` + base64 of the key.
public enum WebhookSecret {
    /// A new secret of 32 random bytes.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }

    /// The key bytes, or nil when `secret` is not `whsec_` + base64 of at least 24 bytes.
    public static func key(_ secret: String) -> Data? {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))), key.count >= 24,
            key.count <= 64
        else { return nil }
        return key
    }
}
