import Logging

/// Runs a maintenance task again and again until shutdown. A failed run is logged at
/// error level and retried with backoff: a store outage never ends the loop.
struct PeriodicService: Sendable {
    /// One run. Returns how long to wait before the next one.
    typealias Tick = @Sendable () async throws -> Duration

    let name: String
    let logger: Logger
    /// A run that takes longer is abandoned (a lost query) and retried.
    var timeout: Duration = .seconds(15)
    let tick: Tick

    func run() async {
        var failureDelay = 0.1
        while !Task.isCancelled {
            let wait: Duration
            do {
                wait = try await withDeadline(timeout, name, tick)
                failureDelay = 0.1
            } catch {
                // Stopping cancels the tick in flight; that is no failure.
                if Task.isCancelled { break }
                logger.loopFailure("\(name) failed; retrying", error: error)
                wait = .seconds(failureDelay)
                failureDelay = min(failureDelay * 2, 10)
            }
            try? await Task.sleep(for: wait)
        }
    }
}
