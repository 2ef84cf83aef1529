import ArgumentParser
import ConveyorClient
import ConveyorCore

/// `conveyor schedules ...`: look at cron schedules and fire one now, through the API.
struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules", abstract: "List cron schedules and trigger one now.", subcommands: [List.self, Trigger.self])

    /// `conveyor schedules list`: every schedule the caller may see, with its next run and last outcome.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List schedules with their next run and last outcome.")

        @OptionGroup var client: ClientOptions

        @OptionGroup var page: PageOptions

        func run() async throws {
            try await client.withClient { client in
                let list = try await client.schedules(limit: page.limit, cursor: page.cursor)
                let schedules = list.schedules
                try page.print(
                    list,
                    table:
                        TextTable.render(
                            header: ["ID", "CRON", "TIMEZONE", "NEXT RUN", "LAST OUTCOME", "LAST JOB"],
                            rows: schedules.map { s in
                                [
                                    s.id, s.cron, s.timezone, s.paused ? "paused" : (s.nextRunAt.map(ConveyorJSON.formatDate) ?? "-"),
                                    s.lastOutcome ?? "-", s.lastJobID.map { "\($0) (\(s.lastJobState?.rawValue ?? "gone"))" } ?? "-",
                                ]
                            }, empty: "no schedules"),
                    nextCursor: list.nextCursor)
            }
        }
    }

    /// `conveyor schedules trigger ID`: fire now, once.
    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trigger", abstract: "Fire a schedule now, once; print the job as JSON.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The schedule's id.")
        var id: String

        @Option(help: "The schedule's tenant (admin only; default: the credential's own).")
        var tenant: String?

        func run() async throws {
            try await client.withClient { client in try printJSON(try await client.triggerSchedule(id: id, tenant: tenant)) }
        }
    }
}
