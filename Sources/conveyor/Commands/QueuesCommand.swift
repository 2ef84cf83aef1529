import ArgumentParser
import ConveyorClient
import ConveyorCore

/// `conveyor queues ...`: a queue's detail, pausing and resuming, through the API
/// (scope `queues:manage`; pausing also needs an admin or tenant `default`).
struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues", abstract: "Show, pause and resume queues.",
        subcommands: [Show.self, Pause.self, Resume.self])

    /// `conveyor queues show NAME`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print a queue's settings, counts, busiest keys and throughput as JSON.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The queue's name.")
        var name: String

        func run() async throws {
            try await client.withClient { client in try printJSON(try await client.queue(name)) }
        }
    }

    /// `conveyor queues pause NAME`.
    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pause",
            abstract: "Stop claims from a queue on every node (running jobs finish, new jobs wait); print it as JSON.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The queue's name.")
        var name: String

        func run() async throws {
            try await client.withClient { client in try printJSON(try await client.pauseQueue(name)) }
        }
    }

    /// `conveyor queues resume NAME`.
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume", abstract: "Let a paused queue's jobs be claimed again; print it as JSON.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The queue's name.")
        var name: String

        func run() async throws {
            try await client.withClient { client in try printJSON(try await client.resumeQueue(name)) }
        }
    }
}

/// `conveyor circuits ...`: circuit breakers through the API (scope `queues:manage`; a
/// non-admin sees and resets only its tenant's).
struct CircuitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "circuits", abstract: "List and reset circuit breakers.", subcommands: [List.self, Reset.self])

    /// `conveyor circuits list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List circuit breakers, those not closed first.")

        @OptionGroup var client: ClientOptions

        @Option(help: "Only breakers in this state: \(Circuit.State.allCases.map(\.rawValue).joined(separator: ", ")).")
        var state: String?

        @Option(help: "At most this many breakers (1–1000; default 100).")
        var limit: Int?

        @Flag(help: "Print the breakers as JSON instead of a table.")
        var json = false

        mutating func validate() throws {
            _ = try parsedState()
        }

        func parsedState() throws -> Circuit.State? {
            guard let state else { return nil }
            guard let parsed = Circuit.State(rawValue: state) else {
                throw ValidationError(
                    "'\(state)' is not a circuit state; use one of \(Circuit.State.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            return parsed
        }

        func run() async throws {
            let state = try parsedState()
            try await client.withClient { client in
                let circuits = try await client.circuits(state: state, limit: limit)
                if json {
                    try printJSON(CircuitList(circuits: circuits))
                } else {
                    print(TextTable.circuits(circuits))
                }
            }
        }
    }

    /// `conveyor circuits reset KEY [--type T]`.
    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset", abstract: "Close a key's circuit breakers; print those reset as JSON.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The concurrency key whose breakers to close.")
        var key: String

        @Option(help: "Only the breaker of this job type.")
        var type: String?

        func run() async throws {
            try await client.withClient { client in
                try printJSON(CircuitList(circuits: try await client.resetCircuit(key: key, type: type)))
            }
        }
    }
}

extension TextTable {
    static func circuits(_ circuits: [Circuit]) -> String {
        render(
            header: ["TYPE", "KEY", "TENANT", "STATE", "FAILURES", "RETRY AT", "LAST ERROR"],
            rows: circuits.map { c in
                [c.type, c.key, c.tenant, c.state.rawValue, "\(c.failures)/\(c.threshold)",
                 c.retryAt.map(ConveyorJSON.formatDate) ?? "-", String((c.lastError ?? "-").prefix(60))]
            }, empty: "no circuit breakers")
    }
}
