import Foundation

/// How far ahead a job may be set to start: one rule for `run_at` and `delay_seconds`,
/// so neither is a way around the other. Years-ahead dates are refused because they
/// are always mistakes (a unit error, a typo'd year), and a job that would sit in the
/// store for decades still costs its row and index entries today.
public enum StartHorizon {
    /// The furthest a job may start after it is enqueued: 366 days.
    public static let maxDelaySeconds: Double = 366 * 86400

    /// Checks a requested start, given as an absolute time or as a delay (never both;
    /// that is the caller's own check). A start in the past is fine: the job runs now.
    public static func check(runAt: Date?, delaySeconds: Double?, now: Date) -> [ValidationFailure] {
        var failures: [ValidationFailure] = []
        if let delaySeconds, !(delaySeconds >= 0 && delaySeconds <= maxDelaySeconds) {
            failures.append(ValidationFailure("delay_seconds", "must be between 0 and \(Int(maxDelaySeconds)) (366 days)"))
        }
        if let runAt, runAt.timeIntervalSince(now) > maxDelaySeconds {
            failures.append(ValidationFailure("run_at", "must be at most \(Int(maxDelaySeconds)) seconds (366 days) from now"))
        }
        return failures
    }
}
