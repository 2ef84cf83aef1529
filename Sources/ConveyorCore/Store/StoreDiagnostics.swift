import Foundation
import Synchronization

/// What a store can tell about its own errors, so the API can say what went wrong in
/// terms an operator acts on instead of a bare 500.
public protocol StoreDiagnostics: Sendable {
    /// Whether `error` means the store has no space left to write (a full disk, a
    /// database at its size limit). Reads still work; writes fail until space returns.
    func isOutOfSpace(_ error: any Error) -> Bool
}

/// When this process last saw the store refuse a write for lack of space. `/readyz`
/// reports writes as failing for ``window`` after it; writes themselves are never held
/// back, so they succeed again the moment space returns.
public final class StoreWriteHealth: Sendable {
    private let lastFullMillis = Atomic<Int64>(0)
    /// How long after the last out-of-space error `/readyz` says writes fail.
    public let window: TimeInterval

    public init(window: TimeInterval = 30) {
        self.window = window
    }

    public func recordOutOfSpace(at now: Date) {
        lastFullMillis.store(Int64(now.timeIntervalSince1970 * 1000), ordering: .relaxed)
    }

    /// When writes last failed for lack of space, if within ``window`` of `now`.
    public func outOfSpaceSince(now: Date) -> Date? {
        let millis = lastFullMillis.load(ordering: .relaxed)
        guard millis > 0 else { return nil }
        let at = Date(timeIntervalSince1970: Double(millis) / 1000)
        return now.timeIntervalSince(at) < window ? at : nil
    }
}
