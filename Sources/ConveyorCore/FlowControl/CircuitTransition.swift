import Foundation

extension Circuit {
    /// A breaker's next state after one attempt of a tracked job, with the event to
    /// append (`circuit.opened` or `circuit.closed`), or nil when nothing changes. Both
    /// stores call this inside the completion transaction, with `current` read there.
    ///
    /// - A success of the probe closes the breaker; any other success clears the count.
    /// - A failure counts; at the threshold the breaker opens, and a failed probe opens it
    ///   again for another cool-down.
    /// - A probe that did not run to an end (snoozed, cancelled, handed back) lets the
    ///   next claim pick another probe at once.
    public static func after(
        _ outcome: JobOutcome, tally: CircuitTally, current: Circuit?
    ) -> (circuit: Circuit, event: String?)? {
        let now = outcome.finishedAt
        let isProbe = current?.probeJobID == outcome.lease.id
        switch outcome.kind {
        case .succeeded:
            guard var c = current else { return nil }
            if c.state == .halfOpen && isProbe {
                c.state = .closed
                c.failures = 0
                c.probeJobID = nil
                c.retryAt = nil
                c.updatedAt = now
                return (c, LogEvent.circuitClosed)
            }
            guard c.state == .closed && c.failures > 0 else { return nil }
            c.failures = 0
            c.updatedAt = now
            return (c, nil)
        case .retry(_, let error), .failed(let error):
            var c =
                current
                ?? Circuit(
                    type: tally.type, key: tally.key, queue: tally.queue, tenant: tally.tenant, state: .closed,
                    failures: 0, threshold: tally.policy.threshold, cooldownSeconds: tally.policy.cooldownSeconds,
                    openedAt: nil, retryAt: nil, probeJobID: nil, lastError: nil, updatedAt: now)
            c.failures += 1
            c.lastError = error.message
            c.threshold = tally.policy.threshold
            c.cooldownSeconds = tally.policy.cooldownSeconds
            c.updatedAt = now
            let opens = (c.state == .closed && c.failures >= c.threshold) || (c.state == .halfOpen && isProbe)
            guard opens else { return (c, nil) }
            c.state = .open
            c.openedAt = now
            c.retryAt = now.addingTimeInterval(c.cooldownSeconds)
            c.probeJobID = nil
            return (c, LogEvent.circuitOpened)
        case .snoozed, .cancelled, .released:
            guard var c = current, c.state == .halfOpen, isProbe else { return nil }
            c.state = .open
            c.probeJobID = nil
            c.retryAt = now
            c.updatedAt = now
            return (c, nil)
        }
    }

    /// A `circuit.*` event of `type` about this breaker: keyed `type:key` (the key as its
    /// tenant gave it), in its tenant, carrying the breaker.
    public func event(_ type: String) throws -> StoreEvent {
        try StoreEvent(type: type, key: "\(self.type):\(ConcurrencyKey.shown(key))", tenant: tenant, encoding: self)
    }

    /// The breaker closed by an operator; no event when it was closed already.
    public func reset(at now: Date) -> (circuit: Circuit, event: String?) {
        var c = self
        c.state = .closed
        c.failures = 0
        c.retryAt = nil
        c.probeJobID = nil
        c.updatedAt = now
        return (c, state == .closed ? nil : LogEvent.circuitClosed)
    }
}
