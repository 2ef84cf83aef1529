import Foundation

/// Parses a `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP date.
public enum RetryAfter {
    /// The delay the header asks for, clamped to `0...maximum`; nil when absent or unreadable,
    /// so the job's own backoff applies.
    public static func delay(_ value: String?, now: Date, maximum: Duration) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        let maxSeconds = Double(maximum.components.seconds)
        if value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Too many digits for an Int is still a (very long) delay, not garbage.
            guard let seconds = Int(value) else { return maximum }
            return seconds >= Int(maxSeconds) ? maximum : .seconds(seconds)
        }
        guard let date = httpDate(value) else { return nil }
        let seconds = min(max(0, date.timeIntervalSince(now)), maxSeconds)
        return .seconds(seconds.rounded(.up))
    }

    /// IMF-fixdate, and the obsolete RFC 850 and asctime forms recipients must accept.
    static func httpDate(_ text: String) -> Date? {
        // asctime pads the day with a space ("Nov  6"); one space parses the same.
        let normalized = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        let formats = ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"]
        for format in formats {
            // DateFormatter is not Sendable; a local one per call is cheap enough for a retry path.
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: normalized) { return date }
        }
        return nil
    }
}
