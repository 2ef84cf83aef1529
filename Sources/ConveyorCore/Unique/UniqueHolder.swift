import Foundation

/// A job that may hold a unique key (``UniqueOptions``): a stored job the store found
/// with the key, or an earlier job of the same batch that is to be inserted.
public struct UniqueHolder: Sendable, Hashable {
    public var id: String
    public var state: JobState
    public var createdAt: Date

    public init(id: String, state: JobState, createdAt: Date) {
        self.id = id
        self.state = state
        self.createdAt = createdAt
    }

    public init(_ job: Job) {
        self.init(id: job.id, state: job.state, createdAt: job.createdAt)
    }

    /// An earlier job of the batch, as it will be stored.
    public init(_ job: NewJob) {
        self.init(id: job.id, state: job.initialState, createdAt: job.createdAt)
    }

    /// True while the holder has not started, so a `replace` can still change it.
    public var waits: Bool { UniqueOptions.replaceableStates.contains(state) }

    /// The order in which jobs holding one key are preferred: a waiting one first (only it
    /// can be replaced), then the newest (greatest id). Stores that look a holder up in
    /// SQL sort their candidates the same way (`ORDER BY state IN ('scheduled', 'queued')
    /// DESC, id DESC`) before this picks among them.
    public static func precedes(_ a: UniqueHolder, _ b: UniqueHolder) -> Bool {
        if a.waits != b.waits { return a.waits }
        return a.id > b.id
    }
}
