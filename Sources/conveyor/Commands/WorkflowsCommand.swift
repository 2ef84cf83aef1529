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

        @OptionGroup var page: PageOptions

        mutating func validate() throws {
            _ = try query()
        }

        func run() async throws {
            let query = try query()
            try await client.withClient { client in
                let result = try await client.listWorkflows(query)
                try page.print(result, table: TextTable.workflows(result.workflows), nextCursor: result.nextCursor)
            }
        }

        func query() throws -> WorkflowQuery {
            let parsed: WorkflowState? = try parseState(state, kind: "workflow")
            return WorkflowQuery(state: parsed, name: name, tenant: tenant, limit: page.limit, cursor: page.cursor)
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
