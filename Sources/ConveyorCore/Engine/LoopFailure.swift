import Logging

/// How every long-running loop (a service that logs, backs off and retries) reports a
/// failed round. Stopping cancels the store call in flight, and the loop sees that as a
/// thrown error: that is the loop being stopped, not failing, so it is logged at
/// `debug`. Anything else is logged at `error`, as before. One rule, so a clean stop
/// logs no errors whichever loop was busy.
extension Logger {
    /// Logs `message` with the error's full description under `error`: at `error` level,
    /// or at `debug` when ``isCancellation(_:)`` says the loop is being stopped.
    public func loopFailure(
        _ message: @autoclosure () -> Logger.Message, error: any Error, metadata: Logger.Metadata = [:],
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        var metadata = metadata
        metadata["error"] = "\(String(reflecting: error))"
        let level: Logger.Level = Self.isCancellation(error) ? .debug : .error
        log(level: level, message(), metadata: metadata, file: file, function: function, line: line)
    }

    /// True for a cancellation: a `CancellationError`, or any error thrown while the
    /// current task is cancelled (drivers wrap a cancelled query in their own errors).
    public static func isCancellation(_ error: any Error) -> Bool {
        error is CancellationError || Task.isCancelled
    }
}
