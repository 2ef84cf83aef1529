import ConveyorCore

/// Renders jobs as a plain-text table for `conveyor jobs list`.
enum JobTable {
    static func render(_ jobs: [Job]) -> String {
        guard !jobs.isEmpty else { return "no jobs" }
        let header = ["ID", "TYPE", "QUEUE", "STATE", "ATTEMPT", "CREATED"]
        let rows = jobs.map { job in
            [job.id, job.type, job.queue, job.state.rawValue, "\(job.attempt)/\(job.maxAttempts)",
             ConveyorJSON.formatDate(job.createdAt)]
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        return ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                // The last column is not padded, so lines carry no trailing spaces.
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
