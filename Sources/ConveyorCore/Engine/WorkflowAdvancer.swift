import Foundation

/// Moves workflows forward: finds the steps whose job ended and that are not settled yet,
/// and for each of their workflows runs one transaction that settles them, creates the
/// now-ready steps' jobs, applies the failure policy, ends the workflow and appends its
/// `workflow.*` events (``Conveyor/advanceWorkflow(id:)``).
///
/// It looks at the jobs' state, so every way a job ends (a worker's outcome, a cancel,
/// the lease reaper) is seen here, and nothing on the job hot path knows about workflows:
/// no trigger, no extra statement. The state is durable: steps that ended while no
/// advancer ran (a crash, a leader change) are found by the next one. Decisions are made
/// from the locked workflow's state, so two advancers, or a rerun after a crash, change
/// nothing twice.
///
/// Runs on the leader with the other maintenance services. It wakes when this node (or,
/// on PostgreSQL, another) appends events, which every job end does, and polls as a backup.
struct WorkflowAdvancer: Sendable {
    let conveyor: Conveyor
    var interval: Duration = .milliseconds(250)
    static let batch = 100
    /// Wake-ups come with every completion batch; a short pause after each round turns a
    /// burst of them into one look at the steps.
    static let spacing: Duration = .milliseconds(20)

    func tick() async throws -> Duration {
        // Subscribed before looking, so a step ending during the look still wakes the next round.
        let signals = await conveyor.notifier.subscribe()
        let ids = try await conveyor.backend.workflows.workflowsToAdvance(limit: Self.batch)
        // One workflow that cannot advance (a row that does not decode, say) must not hold
        // the others back: each gets its try, then the first error goes to the periodic
        // service, which logs it and backs off.
        var firstError: (any Error)?
        for id in ids {
            do {
                try await conveyor.advanceWorkflow(id: id)
            } catch {
                conveyor.logger.loopFailure("advancing workflow \(id) failed", error: error)
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        if ids.count == Self.batch { return .zero }
        await Self.firstEventsAppended(in: signals, orAfter: interval)
        return Self.spacing
    }

    private static func firstEventsAppended(in signals: AsyncStream<EngineSignal>, orAfter timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await signal in signals where signal == .eventsAppended { return }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
