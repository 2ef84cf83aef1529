import Foundation

/// Where remote workers' long-poll claims wait for jobs, one node's worth.
///
/// A waiting claim costs no database work: it sleeps until the notifier says its queue
/// has jobs (an enqueue, a retry coming due, a rescued lease, on any node). Time alone
/// can also make a job claimable (a rate limit's window passing, a breaker cooling down),
/// and a wake-up can be lost (the notifier is best effort), so once a second the oldest
/// waiter of each queue looks again: one claim per queue per second per node however
/// many are waiting, as one in-process pool polls.
actor ClaimWaiters {
    /// One waiting claim: signalled by a wake-up that arrived while it was away claiming,
    /// so the wake-up is not lost between its empty claim and its next wait.
    final class Ticket: Sendable {
        let id = UUID()
        let queue: String

        init(queue: String) {
            self.queue = queue
        }
    }

    static let backstopInterval: Duration = .seconds(1)

    private let notifier: any Notifier
    private var listener: Task<Void, Never>?
    private var subscribing = false
    private var backstop: Task<Void, Never>?
    private var tickets: [UUID: Ticket] = [:]
    private var signalled: Set<UUID> = []
    private var waiting: [UUID: CheckedContinuation<Void, Never>] = [:]
    /// The order waiters arrived in, per queue: the backstop wakes the oldest.
    private var order: [String: [UUID]] = [:]

    init(notifier: any Notifier) {
        self.notifier = notifier
    }

    /// Joins before the first claim attempt, so a wake-up during that claim is kept.
    func enter(queue: String) async -> Ticket {
        let ticket = Ticket(queue: queue)
        tickets[ticket.id] = ticket
        order[queue, default: []].append(ticket.id)
        if listener == nil && !subscribing {
            // Set before the suspension: a second claim arriving meanwhile must not subscribe
            // again (a wake-up it misses in that instant is caught by the backstop).
            subscribing = true
            let signals = await notifier.subscribe()
            subscribing = false
            listener = Task { [weak self] in
                for await signal in signals {
                    guard case .jobsAvailable(let queue) = signal else { continue }
                    await self?.wake(queue: queue)
                }
            }
            backstop = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.backstopInterval)
                    await self?.wakeOldest()
                }
            }
            if tickets.isEmpty { stopListening() }
        }
        return ticket
    }

    /// Waits for a wake-up of the ticket's queue, at most until `deadline`; returns at once
    /// when one came since the ticket last waited.
    func wait(_ ticket: Ticket, until deadline: ContinuousClock.Instant) async {
        if signalled.remove(ticket.id) != nil { return }
        let timer = Task { [weak self] in
            try? await Task.sleep(until: deadline)
            await self?.resume(ticket.id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if signalled.remove(ticket.id) != nil || Task.isCancelled {
                    continuation.resume()
                } else {
                    waiting[ticket.id] = continuation
                }
            }
        } onCancel: {
            Task { await self.resume(ticket.id) }
        }
        timer.cancel()
    }

    /// Leaves; the last one out stops listening.
    func leave(_ ticket: Ticket) {
        resume(ticket.id)
        tickets.removeValue(forKey: ticket.id)
        signalled.remove(ticket.id)
        order[ticket.queue]?.removeAll { $0 == ticket.id }
        if order[ticket.queue]?.isEmpty == true { order.removeValue(forKey: ticket.queue) }
        if tickets.isEmpty { stopListening() }
    }

    private func stopListening() {
        listener?.cancel()
        backstop?.cancel()
        listener = nil
        backstop = nil
    }

    /// Wakes every claim waiting on `queue` here: jobs may be due.
    func wake(queue: String) {
        for id in order[queue] ?? [] {
            if waiting[id] != nil { resume(id) } else { signalled.insert(id) }
        }
    }

    private func wakeOldest() {
        for (queue, ids) in order {
            guard let oldest = ids.first(where: { waiting[$0] != nil }) else { continue }
            resume(oldest)
            // To the back of the line, so the next look is another waiter's.
            order[queue]?.removeAll { $0 == oldest }
            order[queue]?.append(oldest)
        }
    }

    private func resume(_ id: UUID) {
        waiting.removeValue(forKey: id)?.resume()
    }
}
