import Foundation
import Synchronization

/// When the lease of a running attempt runs out, as this worker last knew it: set at the
/// claim and moved on by every heartbeat that extended it.
///
/// A node frozen past its lease (a SIGSTOP, a long GC-like stall, a suspended VM) may
/// wake up holding work that another node has already finished. Fencing discards its
/// outcome, but not its side effects, so a worker checks this before any side effect:
/// before starting a handler, and a handler before calling out (``JobContext/checkLease()``).
public final class LeaseDeadline: Sendable {
    private let millis: Atomic<Int64>
    private let clock: any ConveyorClock

    public init(_ until: Date, clock: any ConveyorClock) {
        millis = Atomic(Self.millis(until))
        self.clock = clock
    }

    /// When the lease runs out.
    public var until: Date { Date(timeIntervalSince1970: Double(millis.load(ordering: .relaxed)) / 1000) }

    /// Whether the lease has run out by this worker's clock.
    public var hasExpired: Bool { Self.millis(clock.now()) >= millis.load(ordering: .relaxed) }

    /// Moves the deadline on (a heartbeat extended the lease); never back.
    public func extend(to until: Date) {
        _ = millis.max(Self.millis(until), ordering: .relaxed)
    }

    private static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// The attempt's lease ran out before a side effect: the job may already be running, or
/// done, elsewhere, so this attempt stops without an outcome (fencing would discard one).
public struct LeaseExpiredError: Error, CustomStringConvertible {
    public var jobID: String
    public var description: String { "the lease of job \(jobID) ran out before its side effect; dropping the attempt" }
}
