import ArgumentParser
import ConveyorCore
import ConveyorServer
import Foundation

/// `serve`'s bounds on what clients can hold: connections and event streams
/// (docs/security.md, "Limits"). Each flag has an environment variable; the flag wins.
struct LimitOptions: ParsableArguments {
    @Option(help: "Most connections open at once per listener; at the limit a new one displaces the longest-waiting idle or half-sent one (env CONVEYOR_MAX_CONNECTIONS; default 512).")
    var maxConnections: Int?

    @Option(help: "Seconds a connection may stay idle, or a request body pause (env CONVEYOR_IDLE_TIMEOUT_SECONDS; default 60).")
    var idleTimeoutSeconds: Double?

    @Option(help: "Seconds a request's headers may take from their first byte (env CONVEYOR_HEADER_READ_TIMEOUT_SECONDS; default 10).")
    var headerReadTimeoutSeconds: Double?

    @Option(help: "Most open event streams (GET /v1/events/stream) on this server (env CONVEYOR_MAX_EVENT_STREAMS; default 256).")
    var maxEventStreams: Int?

    @Option(help: "Most open event streams per credential (env CONVEYOR_MAX_EVENT_STREAMS_PER_CREDENTIAL; default 16).")
    var maxEventStreamsPerCredential: Int?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    func connections() throws -> ConnectionLimits {
        let limits = ConnectionLimits(
            maxConnections: try value(maxConnections, "CONVEYOR_MAX_CONNECTIONS") ?? ConnectionLimits.defaultMaxConnections,
            idleTimeout: try seconds(idleTimeoutSeconds, "CONVEYOR_IDLE_TIMEOUT_SECONDS") ?? ConnectionLimits.defaultIdleTimeout,
            headerReadTimeout: try seconds(headerReadTimeoutSeconds, "CONVEYOR_HEADER_READ_TIMEOUT_SECONDS")
                ?? ConnectionLimits.defaultHeaderReadTimeout)
        return limits
    }

    func eventStreams() throws -> EventStreamLimits {
        EventStreamLimits(
            perCredential: try value(maxEventStreamsPerCredential, "CONVEYOR_MAX_EVENT_STREAMS_PER_CREDENTIAL")
                ?? EventStreamLimits.defaultPerCredential,
            total: try value(maxEventStreams, "CONVEYOR_MAX_EVENT_STREAMS") ?? EventStreamLimits.defaultTotal)
    }

    private func value(_ flag: Int?, _ variable: String) throws -> Int? {
        guard let number = try flag ?? environment[variable].map({ text in
            guard let n = Int(text) else { throw ValidationError("\(variable) must be a whole number, got '\(text)'.") }
            return n
        }) else { return nil }
        guard number >= 1 else { throw ValidationError("\(variable) (or its flag) must be at least 1, got \(number).") }
        return number
    }

    private func seconds(_ flag: Double?, _ variable: String) throws -> Duration? {
        guard let number = try flag ?? environment[variable].map({ text in
            guard let n = Double(text) else { throw ValidationError("\(variable) must be a number of seconds, got '\(text)'.") }
            return n
        }) else { return nil }
        guard number > 0, number <= 86400 else { throw ValidationError("\(variable) (or its flag) must be > 0 and at most 86400, got \(number).") }
        return .milliseconds(Int64(number * 1000))
    }
}
