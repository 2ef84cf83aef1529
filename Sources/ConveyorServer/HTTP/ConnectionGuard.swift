import NIOCore
import Synchronization

/// The open connections of one listener, for ``ConnectionLimits/maxConnections``.
///
/// Each connection is either busy (a request is in progress: its head has arrived and its
/// response has not ended) or waiting (for its first request, or its next one). At the
/// limit, a new connection displaces the connection that has waited longest, so idle and
/// half-sent connections can never keep a real request out; only when every connection is
/// busy is the new one refused.
final class ConnectionGuard: Sendable {
    private struct Entry {
        let channel: any Channel
        /// Since when it waits; nil while busy.
        var waitingSince: ContinuousClock.Instant?
    }

    let limits: ConnectionLimits
    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    /// The number of connections open.
    var count: Int { entries.withLock { $0.count } }

    /// Admits `channel`, displacing the longest-waiting connection at the limit.
    /// - Returns: false when every open connection is busy; the caller closes `channel`.
    func admit(_ channel: any Channel) -> Bool {
        let now = ContinuousClock.now
        let (admitted, displaced): (Bool, (any Channel)?) = entries.withLock { entries in
            var displaced: (any Channel)?
            if entries.count >= limits.maxConnections {
                let oldest = entries.compactMap { id, entry in entry.waitingSince.map { (id, $0) } }.min { $0.1 < $1.1 }
                guard let (id, _) = oldest else { return (false, nil) }
                displaced = entries.removeValue(forKey: id)?.channel
            }
            entries[ObjectIdentifier(channel)] = Entry(channel: channel, waitingSince: now)
            return (true, displaced)
        }
        displaced?.close(promise: nil)
        if admitted {
            channel.closeFuture.whenComplete { [weak self] _ in self?.closed(channel) }
        }
        return admitted
    }

    func closed(_ channel: any Channel) {
        _ = entries.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// A request is in progress on `channel`: it may not be displaced.
    func busy(_ channel: any Channel) {
        entries.withLock { $0[ObjectIdentifier(channel)]?.waitingSince = nil }
    }

    /// `channel` finished its requests and waits for the next.
    func waiting(_ channel: any Channel) {
        let now = ContinuousClock.now
        entries.withLock { $0[ObjectIdentifier(channel)]?.waitingSince = now }
    }
}
