import Foundation
import Synchronization

/// The wall clock the engine stamps and schedules with. Tests inject a ``ManualClock``
/// to check backoff, staging and lease expiry without waiting.
public protocol ConveyorClock: Sendable {
    func now() -> Date
}

public struct SystemClock: ConveyorClock {
    public init() {}
    public func now() -> Date { Date().truncatedToMilliseconds }
}

extension Date {
    /// Conveyor keeps times to the millisecond on every surface; dropping the rest at the
    /// source means a job reads back exactly as it was written.
    public var truncatedToMilliseconds: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}

/// A clock that moves only when told to.
public final class ManualClock: ConveyorClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
