import ConveyorCore

/// Renders rows as a plain-text table with aligned columns, for the `list` commands.
enum TextTable {
    /// - Parameter empty: what to print when there are no rows.
    static func render(header: [String], rows: [[String]], empty: String) -> String {
        guard !rows.isEmpty else { return empty }
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

    static func jobs(_ jobs: [Job]) -> String {
        render(
            header: ["ID", "TYPE", "QUEUE", "STATE", "ATTEMPT", "CREATED"],
            rows: jobs.map { job in
                [job.id, job.type, job.queue, job.state.rawValue, "\(job.attempt)/\(job.maxAttempts)",
                 ConveyorJSON.formatDate(job.createdAt)]
            }, empty: "no jobs")
    }

    static func workflows(_ workflows: [WorkflowStatus]) -> String {
        render(
            header: ["ID", "NAME", "STATE", "STEPS DONE", "CREATED"],
            rows: workflows.map { w in
                let done = w.stepDetails.filter { $0.state == JobState.succeeded.rawValue }.count
                return [w.id, w.name, w.state.rawValue, "\(done)/\(w.stepDetails.count)", ConveyorJSON.formatDate(w.createdAt)]
            }, empty: "no workflows")
    }
}
