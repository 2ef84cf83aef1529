import ArgumentParser
import ConveyorClient
import ConveyorCore

/// `conveyor workflows ...`: inspect and act on workflows through the API.
struct WorkflowsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflows", abstract: "List, show, cancel and retry workflows.",
        subcommands: [List.self, Show.self, Cancel.self, Retry.self])

    /// `conveyor workflows list`: one page of workflows, newest first.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List workflows, newest first, one page at a time.")

        @OptionGroup var client: ClientOptions

        @Option(help: "Only workflows in this state: \(WorkflowState.allCases.map(\.rawValue).joined(separator: ", ")).")
        var state: String?

        @Option(help: "Only workflows with this name.")
        var name: String?

        @Option(help: "Only workflows of this tenant.")
        var tenant: String?

        @Option(help: "Workflows per page.")
        var limit: Int = 50

        @Option(help: "The cursor printed by the previous page.")
        var cursor: String?

        @Flag(help: "Print the page as JSON instead of a table.")
        var json = false

        mutating func validate() throws {
            _ = try query()
        }

        func run() async throws {
            let query = try query()
            try await client.withClient { client in
                let page = try await client.listWorkflows(query)
                if json {
                    try printJSON(page)
                } else {
                    print(Self.table(page.workflows))
                    if let next = page.nextCursor { print("next cursor: \(next)") }
                }
            }
        }

        func query() throws -> WorkflowQuery {
            var parsed: WorkflowState?
            if let state {
                guard let value = WorkflowState(rawValue: state) else {
                    throw ValidationError(
                        "--state '\(state)' is not a workflow state; use one of \(WorkflowState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                parsed = value
            }
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
            return WorkflowQuery(state: parsed, name: name, tenant: tenant, limit: limit, cursor: cursor)
        }

        static func table(_ workflows: [WorkflowStatus]) -> String {
            guard !workflows.isEmpty else { return "no workflows" }
            let header = ["ID", "NAME", "STATE", "STEPS DONE", "CREATED"]
            let rows = workflows.map { w in
                let done = w.stepDetails.filter { $0.state == JobState.succeeded.rawValue }.count
                return [w.id, w.name, w.state.rawValue, "\(done)/\(w.stepDetails.count)", ConveyorJSON.formatDate(w.createdAt)]
            }
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            return ([header] + rows).map { row in
                row.enumerated().map { column, cell in
                    column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                }.joined(separator: "  ")
            }.joined(separator: "\n")
        }
    }

    /// `conveyor workflows show ID`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print a workflow with its step_details as JSON.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The workflow's id.")
        var id: String

        func run() async throws {
            try await client.withClient { client in try printJSON(try await client.workflow(id: id)) }
        }
    }

    /// `conveyor workflows cancel ID`.
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel", abstract: "Cancel a running workflow; print it as JSON.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The workflow's id.")
        var id: String

        func run() async throws {
            try await client.withClient { client in try printJSON(try await client.cancelWorkflow(id: id)) }
        }
    }

    /// `conveyor workflows retry ID`.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retry", abstract: "Re-run a failed or cancelled workflow's failed and cancelled steps; print it as JSON.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The workflow's id.")
        var id: String

        func run() async throws {
            try await client.withClient { client in try printJSON(try await client.retryWorkflow(id: id)) }
        }
    }
}
