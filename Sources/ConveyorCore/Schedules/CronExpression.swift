import Foundation

/// A parsed cron expression: five fields (minute hour day-of-month month day-of-week), or
/// six with a leading seconds field, or a macro (`@hourly`, `@daily`, `@midnight`,
/// `@weekly`, `@monthly`, `@yearly`, `@annually`).
///
/// Each field takes `*`, a value, a range `1-5`, a step `*/15`, `5-30/5` or `5/15` (from 5
/// to the field's end), and comma-separated lists of these. Months and weekdays take names
/// (`JAN`, `mon`); 0 and 7 both mean Sunday. When both day-of-month and day-of-week are
/// restricted (neither starts with `*`), a day matches if either matches (the Vixie cron
/// rule); otherwise both must. See docs/schedules.md.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The text as given, trimmed.
    public let source: String
    let seconds: UInt64
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    /// Bit 0 is Sunday … bit 6 Saturday (7 is folded onto 0).
    let daysOfWeek: UInt64
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public var description: String { source }

    /// A parse error names the field and says how to write it instead.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var field: String
        public var message: String
        public var description: String { "\(field) field: \(message)" }
    }

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    struct Field {
        let name: String
        let range: ClosedRange<Int>
        let names: [String: Int]
        let example: String
    }

    static let secondField = Field(name: "second", range: 0...59, names: [:], example: "0, */10 or 0-30/5")
    static let minuteField = Field(name: "minute", range: 0...59, names: [:], example: "0, */15 or 5-30/5")
    static let hourField = Field(name: "hour", range: 0...23, names: [:], example: "9, 9-17 or */6")
    static let dayOfMonthField = Field(name: "day-of-month", range: 1...31, names: [:], example: "1, 1,15 or 10-20")
    static let monthField = Field(
        name: "month", range: 1...12,
        names: ["JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12],
        example: "1, JAN-MAR or */3")
    static let dayOfWeekField = Field(
        name: "day-of-week", range: 0...7, names: ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6],
        example: "1-5, MON-FRI or SUN (0 and 7 are Sunday)")

    public init(_ text: String) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        source = trimmed
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let macro = Self.macros[trimmed.lowercased()] else {
                throw ParseError(
                    field: "expression",
                    message: "unknown macro '\(trimmed)'; use one of \(Self.macros.keys.sorted().joined(separator: ", ")) or five fields such as '0 * * * *'")
            }
            expanded = macro
        }
        let parts = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 || parts.count == 6 else {
            throw ParseError(
                field: "expression",
                message: "has \(parts.count) field\(parts.count == 1 ? "" : "s"); write 5 (minute hour day-of-month month day-of-week, e.g. '*/15 * * * *') or 6 with a leading seconds field (e.g. '30 */15 * * * *')")
        }
        let fields = parts.count == 6 ? parts : ["0"] + parts
        seconds = try Self.parse(fields[0], Self.secondField)
        minutes = try Self.parse(fields[1], Self.minuteField)
        hours = try Self.parse(fields[2], Self.hourField)
        daysOfMonth = try Self.parse(fields[3], Self.dayOfMonthField)
        months = try Self.parse(fields[4], Self.monthField)
        var dow = try Self.parse(fields[5], Self.dayOfWeekField)
        if dow & (1 << 7) != 0 { dow = (dow & ~(1 << 7)) | 1 }
        daysOfWeek = dow
        dayOfMonthRestricted = !(fields[3].hasPrefix("*") || fields[3] == "?")
        dayOfWeekRestricted = !(fields[5].hasPrefix("*") || fields[5] == "?")
        // A day-of-month that no chosen month has (30 FEB) would never fire.
        if !dayOfWeekRestricted || !dayOfMonthRestricted {
            let longest: [Int] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            let lowestDay: Int = Self.values(daysOfMonth, in: 1...31).first ?? 1
            let chosenMonths: [Int] = Self.values(months, in: 1...12)
            let possible = chosenMonths.contains { (month: Int) -> Bool in longest[month - 1] >= lowestDay }
            if !possible {
                throw ParseError(
                    field: "day-of-month", message: "'\(fields[3])' never occurs in month '\(fields[4])', so the schedule would never fire; pick days that month has")
            }
        }
    }

    /// One field: a comma-separated list of `*`, `N`, `N-M`, each with an optional `/STEP`.
    static func parse(_ text: String, _ field: Field) throws(ParseError) -> UInt64 {
        func fail(_ message: String) -> ParseError {
            ParseError(field: field.name, message: "'\(text)': \(message); write e.g. \(field.example)")
        }
        if text == "?" && (field.name == "day-of-month" || field.name == "day-of-week") {
            return bits(field.range)
        }
        var mask: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw fail("has an empty list item") }
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw fail("has more than one '/' in '\(item)'") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else { throw fail("step '\(pieces[1])' must be a whole number above 0") }
                guard s <= field.range.upperBound else { throw fail("step \(s) is larger than the field's range \(field.range.lowerBound)–\(field.range.upperBound)") }
                step = s
            }
            let base = pieces[0]
            var low: Int
            var high: Int
            if base == "*" {
                low = field.range.lowerBound
                high = field.name == "day-of-week" ? 6 : field.range.upperBound
            } else {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, bounds.allSatisfy({ !$0.isEmpty }) else { throw fail("'\(base)' is not a value or a range N-M") }
                low = try value(String(bounds[0]), field, fail)
                if bounds.count == 2 {
                    high = try value(String(bounds[1]), field, fail)
                    // SAT-SUN (6-0) means 6-7.
                    if field.name == "day-of-week" && high == 0 && low > 0 { high = 7 }
                    guard low <= high else { throw fail("range \(base) runs backwards; write the smaller value first") }
                } else {
                    // `5/15` runs from 5 to the field's end.
                    high = pieces.count == 2 ? field.range.upperBound : low
                }
            }
            for v in stride(from: low, through: high, by: step) { mask |= 1 << UInt64(v) }
        }
        return mask
    }

    static func value(_ text: String, _ field: Field, _ fail: (String) -> ParseError) throws(ParseError) -> Int {
        if let n = Int(text) {
            guard field.range.contains(n) else {
                throw fail("\(n) is out of range \(field.range.lowerBound)–\(field.range.upperBound)")
            }
            return n
        }
        if let n = field.names[text.uppercased()] { return n }
        if field.names.isEmpty {
            throw fail("'\(text)' is not a number")
        }
        throw fail("'\(text)' is not a number or a name (\(field.names.sorted { $0.value < $1.value }.map(\.key).joined(separator: ", ")))")
    }

    static func bits(_ range: ClosedRange<Int>) -> UInt64 {
        range.reduce(0) { $0 | (1 << UInt64($1)) }
    }

    // MARK: Matching

    func matches(month: Int) -> Bool { months & (1 << UInt64(month)) != 0 }

    /// The day rule: both restricted → either; otherwise both.
    func matchesDay(day: Int, weekday: Int) -> Bool {
        let dom = daysOfMonth & (1 << UInt64(day)) != 0
        let dow = daysOfWeek & (1 << UInt64(weekday)) != 0
        if dayOfMonthRestricted && dayOfWeekRestricted { return dom || dow }
        return dom && dow
    }

    static func values(_ mask: UInt64, in range: ClosedRange<Int>) -> [Int] {
        range.filter { mask & (1 << UInt64($0)) != 0 }
    }
}
