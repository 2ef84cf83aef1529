import ArgumentParser
import ConveyorClient
import ConveyorCore

/// `conveyor workers ...`: the registry of remote workers through the API (docs/workers.md).
struct WorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers", abstract: "List remote workers and tell one to go quiet.", subcommands: [List.self, Quiet.self])

    /// `conveyor workers list` (scope `jobs:read`; operators see every tenant's).
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the registered workers, most recently started first.")

        @OptionGroup var client: ClientOptions

        @Flag(help: "Print the workers as JSON instead of a table.")
        var json = false

        func run() async throws {
            try await client.withClient { client in
                let workers = try await client.workers()
                if json {
                    try printJSON(WorkerList(workers: workers))
                } else {
                    print(TextTable.workers(workers))
                }
            }
        }
    }

    /// `conveyor workers quiet ID` (scope `queues:manage`).
    struct Quiet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "quiet", abstract: "Tell a worker to stop claiming and finish what it holds; print it as JSON.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The worker's id.")
        var id: String

        func run() async throws {
            try await client.withClient { client in try printJSON(try await client.quietWorker(id)) }
        }
    }
}

extension TextTable {
    static func workers(_ workers: [WorkerInfo]) -> String {
        render(
            header: ["ID", "NAME", "STATUS", "QUEUES", "RUNNING", "HOST", "SDK", "LAST HEARTBEAT"],
            rows: workers.map { w in
                [w.id, w.name, w.status.rawValue, w.queues.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
                 "\(w.running)", w.host ?? "-", w.sdk ?? "-", ConveyorJSON.formatDate(w.lastHeartbeatAt)]
            }, empty: "no workers")
    }
}
