import ConveyorCore
import Hummingbird

/// Reads a query string and collects every problem, so one 422 names them all.
///
/// Unknown parameters are refused, as unknown body fields are, so a typo such as
/// `status=failed` does not silently widen a filter; so are repeated ones. An empty value (`?queue=`) means no
/// filter, as it does in most HTML forms.
struct QueryReader {
    static let limitRange = 1...1000

    private let parameters: Parameters
    private(set) var failures: [ValidationFailure] = []

    init(_ parameters: Parameters, allowed: [String]) {
        self.parameters = parameters
        // A repeated parameter (`?tenant=a&tenant=b`) is refused too: only the first was
        // read, so the filter silently ignored the rest (found by schemathesis).
        var seen: Set<String> = []
        var repeated: Set<String> = []
        for (name, _) in parameters {
            let name = String(name)
            if !allowed.contains(name) {
                failures.append(ValidationFailure(name, "unknown query parameter; allowed: \(allowed.joined(separator: ", "))"))
            } else if !seen.insert(name).inserted, repeated.insert(name).inserted {
                failures.append(ValidationFailure(name, "given more than once; give it once"))
            }
        }
    }

    func value(_ name: String) -> String? {
        guard let text = parameters.get(name), !text.isEmpty else { return nil }
        return text
    }

    mutating func fail(_ failure: ValidationFailure) {
        failures.append(failure)
    }

    /// A `state`-like parameter naming one case of `State`.
    mutating func enumeration<State: RawRepresentable & CaseIterable>(_ name: String, kind: String) -> State?
    where State.RawValue == String {
        guard let text = value(name) else { return nil }
        guard let state = State(rawValue: text) else {
            fail(ValidationFailure(name, "'\(text)' is not a \(kind); use one of \(State.allCases.map(\.rawValue).joined(separator: ", "))"))
            return nil
        }
        return state
    }

    /// The page size, within `range`.
    mutating func limit(default defaultValue: Int, range: ClosedRange<Int> = QueryReader.limitRange) -> Int {
        guard let text = value("limit") else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            fail(ValidationFailure("limit", "'\(text)' is not an integer between \(range.lowerBound) and \(range.upperBound)"))
            return defaultValue
        }
        return number
    }

    /// `limit` and `cursor` of a list paged by ``ListCursor/page(_:key:limit:cursor:)``.
    static func page(_ request: Request) throws(ConveyorError) -> (limit: Int, cursor: String?) {
        var reader = QueryReader(request.uri.queryParameters, allowed: ["limit", "cursor"])
        let limit = reader.limit(default: ListCursor.defaultLimit)
        try reader.check()
        return (limit, reader.value("cursor"))
    }

    /// Throws the collected problems, if any.
    func check() throws(ConveyorError) {
        guard failures.isEmpty else { throw .invalid(failures) }
    }
}
