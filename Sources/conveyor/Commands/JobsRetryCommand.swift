import ArgumentParser
import ConveyorClient

extension JobsCommand {
    /// `conveyor jobs retry ID`.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retry", abstract: "Re-queue a failed or cancelled job with fresh attempts; print it as JSON.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The job's id.")
        var id: String

        func run() async throws {
            try await client.withClient { client in
                try printJSON(try await client.retry(id: id))
            }
        }
    }
}
