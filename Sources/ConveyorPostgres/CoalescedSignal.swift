import Synchronization

/// Runs `send` at most once per `interval` however often it is requested, and always
/// once after the last request, so the final wake-up of a burst is never lost.
final class CoalescedSignal: Sendable {
    private let interval: Duration
    private let send: @Sendable () async -> Void
    /// True while a send is scheduled; requests meanwhile are folded into it.
    private let scheduled = Atomic<Bool>(false)

    init(interval: Duration, send: @escaping @Sendable () async -> Void) {
        self.interval = interval
        self.send = send
    }

    func request() {
        guard scheduled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        // Detached from the caller: the hot path that asked must not wait for the database.
        Task { [self] in
            try? await Task.sleep(for: interval)
            scheduled.store(false, ordering: .releasing)
            await send()
        }
    }
}
