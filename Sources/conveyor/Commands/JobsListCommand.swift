import ArgumentParser
import ConveyorClient
import ConveyorCore

extension JobsCommand {
    /// `conveyor jobs list`: one page of jobs, newest first.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List jobs, newest first, one page at a time.")

        @OptionGroup var client: ClientOptions

        @Option(help: "Only jobs of this queue.")
        var queue: String?

        @Option(help: "Only jobs in this state: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")).")
        var state: String?

        @Option(help: "Only jobs of this type.")
        var type: String?

        @Option(help: "Only jobs of this tenant.")
        var tenant: String?

        @Option(help: "Only jobs with this tag.")
        var tag: String?

        @OptionGroup var page: PageOptions

        mutating func validate() throws {
            _ = try query()
        }

        func run() async throws {
            let query = try query()
            try await client.withClient { client in
                let result = try await client.listJobs(query)
                try page.print(result, table: TextTable.jobs(result.jobs), nextCursor: result.nextCursor)
            }
        }

        func query() throws -> JobQuery {
            let jobState: JobState? = try parseState(state, kind: "job")
            return JobQuery(queue: queue, state: jobState, type: type, tenant: tenant, tag: tag, limit: page.limit, cursor: page.cursor)
        }
    }
}
