/// A reader asked for events after an id the pruner has already removed: events it has
/// not read are gone. The server answers 410 with ``oldestAvailable``; the reader must
/// resynchronise (re-read the state it mirrors) and continue from there.
public struct EventLogGone: Error, Sendable, Hashable, CustomStringConvertible {
    public var after: Int64
    /// The first id that may still be in the log.
    public var oldestAvailable: Int64

    public init(after: Int64, oldestAvailable: Int64) {
        self.after = after
        self.oldestAvailable = oldestAvailable
    }

    public var description: String {
        "Events after \(after) are no longer retained: the log was pruned through \(oldestAvailable - 1). Resynchronise from the current job states, then read with after=\(oldestAvailable - 1) or later."
    }
}
