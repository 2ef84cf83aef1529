import ArgumentParser
import ConveyorClient

extension JobsCommand {
    /// `conveyor jobs show ID`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a job as JSON.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The job's id.")
        var id: String

        func run() async throws {
            try await client.withClient { client in
                try printJSON(try await client.job(id: id))
            }
        }
    }
}
