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

        @Option(help: "Jobs per page.")
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
                let page = try await client.listJobs(query)
                if json {
                    try printJSON(page)
                } else {
                    print(JobTable.render(page.jobs))
                    if let next = page.nextCursor { print("next cursor: \(next)") }
                }
            }
        }

        func query() throws -> JobQuery {
            var jobState: JobState?
            if let state {
                guard let parsed = JobState(rawValue: state) else {
                    throw ValidationError(
                        "--state '\(state)' is not a job state; use one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                jobState = parsed
            }
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
            return JobQuery(queue: queue, state: jobState, type: type, tenant: tenant, tag: tag, limit: limit, cursor: cursor)
        }
    }
}
