/// Decides which node runs the maintenance services (stager, lease reaper, pruner), so
/// they run on exactly one node at a time.
public protocol LeaderElector: Sendable {
    /// Runs `lead` whenever this node is the leader: starts it on winning the election,
    /// cancels it on losing leadership, starts it again on winning again. Returns when
    /// the calling task is cancelled, after giving leadership up.
    func whileLeader(_ lead: @escaping @Sendable () async -> Void) async
}

/// A single node leads by itself: the embedded SQLite setup.
public struct SoleLeader: LeaderElector {
    public init() {}

    public func whileLeader(_ lead: @escaping @Sendable () async -> Void) async {
        await lead()
    }
}
