import ArgumentParser

@main
struct ConveyorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conveyor",
        abstract: "Jobs, workflows and events for Swift and anything that speaks HTTP.",
        subcommands: [
            ServeCommand.self, WorkerCommand.self, MigrateCommand.self, EnqueueCommand.self, JobsCommand.self, WorkflowsCommand.self,
            BenchCommand.self, AdminCommand.self, SchedulesCommand.self, QueuesCommand.self, CircuitsCommand.self,
            WorkersCommand.self,
        ]
    )
}
