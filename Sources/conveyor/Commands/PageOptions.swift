import ArgumentParser

/// The options every `list` command shares: a page size, a cursor and the output format.
struct PageOptions: ParsableArguments {
    @Option(help: "Items per page.")
    var limit: Int = 50

    @Option(help: "The cursor printed by the previous page.")
    var cursor: String?

    @Flag(help: "Print the page as JSON instead of a table.")
    var json = false

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    /// Prints a page as JSON, or as a table followed by the cursor of the next page.
    func print<Page: Encodable>(_ page: Page, table: String, nextCursor: String?) throws {
        if json {
            try printJSON(page)
        } else {
            Swift.print(table)
            if let nextCursor { Swift.print("next cursor: \(nextCursor)") }
        }
    }
}

/// Parses a `--state` value, naming the allowed values when it is not one of them.
func parseState<State: RawRepresentable & CaseIterable>(_ text: String?, kind: String) throws -> State?
where State.RawValue == String {
    guard let text else { return nil }
    guard let state = State(rawValue: text) else {
        throw ValidationError(
            "--state '\(text)' is not a \(kind) state; use one of \(State.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return state
}
