import ArgumentParser

/// `conveyor jobs ...`: inspect and act on jobs through the API.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "List, show, cancel and retry jobs.",
        subcommands: [List.self, Show.self, Cancel.self, Retry.self])
}
