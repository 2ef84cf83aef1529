import ArgumentParser
import ConveyorClient

extension JobsCommand {
    /// `conveyor jobs cancel ID`.
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel",
            abstract: "Cancel a waiting job, or ask a running one to stop; print it as JSON.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The job's id.")
        var id: String

        func run() async throws {
            try await client.withClient { client in
                try printJSON(try await client.cancel(id: id))
            }
        }
    }
}
