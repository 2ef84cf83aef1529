import ConveyorCore
import Hummingbird
import Synchronization

/// How many `GET /v1/events/stream` connections may be open at once, per credential and
/// in total on this server. Each stream holds a connection, a subscription buffer and a
/// task for as long as the client likes, so one credential must not take them all.
public struct EventStreamLimits: Sendable, Hashable {
    /// Streams one credential (an API key, a JWT subject) may hold open.
    public var perCredential: Int
    /// Streams open on this server, all credentials together. Kept under
    /// ``ConnectionLimits/maxConnections``, so streams never take every connection.
    public var total: Int
    /// The `Retry-After` of a refused stream, in seconds.
    public var retryAfterSeconds: Int

    public static let defaultPerCredential = 16
    public static let defaultTotal = 256

    public init(perCredential: Int = Self.defaultPerCredential, total: Int = Self.defaultTotal, retryAfterSeconds: Int = 10) {
        self.perCredential = perCredential
        self.total = total
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// The open streams, counted per credential. A slot is held by an ``EventStreamSlot``
/// and given back when that is released, however the stream ends (even if its response
/// is never written because the client went away first).
final class EventStreamSlots: Sendable {
    let limits: EventStreamLimits
    private let open = Mutex<(total: Int, byCredential: [String: Int])>((0, [:]))

    init(limits: EventStreamLimits) {
        self.limits = limits
    }

    /// A slot for `credential`, or the `429` problem when it or the server is at its cap.
    func acquire(for credential: String) throws(ProblemError) -> EventStreamSlot {
        let refusal: Bool? = open.withLock { open in
            guard open.total < limits.total else { return false }
            guard open.byCredential[credential, default: 0] < limits.perCredential else { return true }
            open.total += 1
            open.byCredential[credential, default: 0] += 1
            return nil
        }
        if let perCredential = refusal { throw .tooManyStreams(limits, perCredential: perCredential) }
        return EventStreamSlot(slots: self, credential: credential)
    }

    fileprivate func release(_ credential: String) {
        open.withLock { open in
            open.total -= 1
            let left = open.byCredential[credential, default: 1] - 1
            open.byCredential[credential] = left > 0 ? left : nil
        }
    }
}

/// One open stream's place; released when the last reference goes.
final class EventStreamSlot: Sendable {
    private let slots: EventStreamSlots
    private let credential: String

    fileprivate init(slots: EventStreamSlots, credential: String) {
        self.slots = slots
        self.credential = credential
    }

    deinit { slots.release(credential) }
}

extension ProblemError {
    /// A stream refused at its cap.
    static func tooManyStreams(_ limits: EventStreamLimits, perCredential: Bool) -> ProblemError {
        var headers = HTTPFields()
        headers[.retryAfter] = String(limits.retryAfterSeconds)
        let which = perCredential
            ? "This credential has \(limits.perCredential) event streams open, its limit"
            : "The server has \(limits.total) event streams open, its limit"
        return ProblemError(
            "too-many-streams", title: "Too many event streams", status: .tooManyRequests,
            detail: "\(which). Close a stream (or share one with a broader topic filter) and retry after \(limits.retryAfterSeconds) seconds.",
            headers: headers)
    }
}
