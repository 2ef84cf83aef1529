import Foundation

/// A schema's `pattern`, compiled, with bounds on what evaluating it may cost.
///
/// Topic schemas are checked inside `POST /v1/events`, so a pattern is attacker-adjacent
/// code on the request path: `^(a+)+$` took 0.84 s against 25 characters. Three bounds
/// hold it: a schema whose pattern nests quantifiers (the shape of catastrophic
/// backtracking) or uses backreferences is refused when it is saved; a value longer than
/// ``maxInputLength`` is not matched at all; and matching stops when the document's
/// ``documentBudget`` is spent, so even a pattern stored before these rules costs a
/// publish at most that long.
struct SchemaPattern: @unchecked Sendable {
    /// NSRegularExpression is immutable and safe to share across threads once built, but
    /// not marked `Sendable`.
    let regex: NSRegularExpression
    let source: String

    /// The longest pattern accepted, in characters.
    static let maxSourceLength = 1000
    /// The longest string matched against a pattern, in Unicode scalars; a longer value fails.
    static let maxInputLength = 10_000
    /// The total time one document's pattern checks may take; past it, the remaining
    /// checks fail. ICU reports progress while it backtracks, so a match is stopped
    /// within a fraction of a millisecond of the budget running out.
    static let documentBudget: Duration = .milliseconds(100)

    enum Outcome {
        case matched, failed, tooLong, overBudget
    }

    /// Compiles `source`, or says why it is refused.
    static func compile(_ source: String, refusingUnbounded: Bool) -> Result<SchemaPattern, ValidationFailure> {
        guard source.count <= maxSourceLength else {
            return .failure(ValidationFailure("pattern", "must be at most \(maxSourceLength) characters"))
        }
        if refusingUnbounded, let reason = unboundedReason(source) {
            return .failure(ValidationFailure("pattern", reason))
        }
        guard let regex = try? NSRegularExpression(pattern: source) else {
            return .failure(ValidationFailure("pattern", "must be a valid regular expression"))
        }
        return .success(SchemaPattern(regex: regex, source: source))
    }

    /// Matches `text` (unanchored, as in JSON Schema), spending from `budget`.
    func evaluate(_ text: String, budget: inout Duration) -> Outcome {
        guard text.unicodeScalars.count <= Self.maxInputLength else { return .tooLong }
        guard budget > .zero else { return .overBudget }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: budget)
        var outcome = Outcome.failed
        regex.enumerateMatches(in: text, options: [.reportProgress], range: NSRange(text.startIndex..., in: text)) {
            match, _, stop in
            if match != nil {
                outcome = .matched
                stop.pointee = true
            } else if clock.now >= deadline {
                outcome = .overBudget
                stop.pointee = true
            }
        }
        budget -= clock.now - start
        return outcome
    }

    /// Why `source` may backtrack without bound, or nil. The rule is deliberately
    /// simple: no group that varies in length (it holds `*`, `+`, `?`, `{n,m}` or `|`)
    /// may itself repeat, and no backreferences. It refuses a few safe patterns too, such
    /// as `(\d{1,3}\.)+`; those can be written out (`\d{1,3}(\.\d{1,3})*` is not
    /// refused either, so spell the repetition without nesting, e.g. `[\d.]+`).
    static func unboundedReason(_ source: String) -> String? {
        let chars = Array(source)
        // One entry per open group: whether its contents vary in length.
        var groups: [Bool] = [false]
        var i = 0
        /// Reads a quantifier at `i`, if any: whether it repeats (max > 1) and whether it varies.
        func quantifier() -> (repeats: Bool, varies: Bool)? {
            guard i < chars.count else { return nil }
            var result: (repeats: Bool, varies: Bool)?
            switch chars[i] {
            case "*", "+":
                result = (true, true)
                i += 1
            case "?":
                result = (false, true)
                i += 1
            case "{":
                var j = i + 1
                var text = ""
                while j < chars.count, chars[j] != "}" {
                    text.append(chars[j])
                    j += 1
                }
                let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard j < chars.count, !parts.isEmpty, parts.count <= 2, let low = parts[0] else { return nil }
                if parts.count == 1 {
                    result = (low > 1, false)
                } else if let high = parts[1] {
                    result = (high > 1, high != low)
                } else {
                    result = (true, true)
                }
                i = j + 1
            default:
                return nil
            }
            // A lazy `?` or possessive `+` after the quantifier changes nothing here.
            if i < chars.count, chars[i] == "?" || chars[i] == "+" { i += 1 }
            return result
        }
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\\":
                if i + 1 < chars.count {
                    let next = chars[i + 1]
                    if next.isNumber && next != "0" || next == "k" {
                        return "must not use backreferences (\\\(next)): they make matching time unbounded"
                    }
                }
                i += 2
                if let q = quantifier(), q.varies { groups[groups.count - 1] = true }
            case "[":
                // Skip a character class, nested ICU sets included; it matches one character.
                var depth = 0
                var j = i
                repeat {
                    if chars[j] == "\\" {
                        j += 1
                    } else if chars[j] == "[" {
                        depth += 1
                    } else if chars[j] == "]", j > i + 1 || depth > 1 {
                        depth -= 1
                    }
                    j += 1
                } while j < chars.count && depth > 0
                i = j
                if let q = quantifier(), q.varies { groups[groups.count - 1] = true }
            case "(":
                groups.append(false)
                i += 1
                // Skip a group's `?:`, `?<name>`, `?=` … prefix so its `?` is not read as a quantifier.
                if i < chars.count, chars[i] == "?" { i += 1 }
            case ")":
                let varies = groups.count > 1 ? groups.removeLast() : false
                i += 1
                if let q = quantifier() {
                    if q.repeats && varies {
                        return "must not repeat a group that itself varies in length (a nested quantifier such as (a+)+ or (a|aa)*): matching could take exponential time"
                    }
                    if q.varies || varies { groups[groups.count - 1] = true }
                } else if varies {
                    groups[groups.count - 1] = true
                }
            case "|":
                groups[groups.count - 1] = true
                i += 1
            default:
                i += 1
                if let q = quantifier(), q.varies { groups[groups.count - 1] = true }
            }
        }
        return nil
    }
}
