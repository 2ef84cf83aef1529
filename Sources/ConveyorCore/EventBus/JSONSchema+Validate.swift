/// Checking data against a compiled ``JSONSchema``.
extension JSONSchema {
    /// Every way `value` fails the schema, each naming the failing field as a path under
    /// `path` (`data.title`, `data.tags[2]`). Empty when it matches.
    public func validate(_ value: JSONValue, path: String = "data") -> [ValidationFailure] {
        validate(value, path: path, limit: .max).failures
    }

    /// The first `limit` ways `value` fails the schema, and how many more there are.
    /// Failures past the limit are counted without building their messages, so a large
    /// document failing everywhere costs a walk, not megabytes of text.
    public func validate(_ value: JSONValue, path: String = "data", limit: Int) -> (failures: [ValidationFailure], omitted: Int) {
        var collector = FailureCollector(limit: limit)
        check(value, path: path, into: &collector)
        return (collector.failures, collector.omitted)
    }

    /// Keeps the first `limit` failures and counts the rest.
    struct FailureCollector {
        let limit: Int
        var failures: [ValidationFailure] = []
        var omitted = 0
        /// What is left of the document's time for pattern matching.
        var patternBudget = SchemaPattern.documentBudget

        mutating func add(_ field: @autoclosure () -> String, _ message: @autoclosure () -> String) {
            if failures.count < limit {
                failures.append(ValidationFailure(field(), message()))
            } else {
                omitted += 1
            }
        }
    }

    private func check(_ value: JSONValue, path: @autoclosure () -> String, into failures: inout FailureCollector) {
        func fail(_ message: @autoclosure () -> String) { failures.add(path(), message()) }
        if acceptsNothing { return fail("no value is allowed here (the schema is false)") }
        if let types, !types.contains(where: { Self.value(value, isOfType: $0) }) {
            // Wrong type: the other keywords would only repeat the same complaint.
            return fail("must be \(types.sorted().joined(separator: " or ")), not \(Self.typeName(of: value))")
        }
        if let enumValues, !enumValues.contains(where: { Self.equal($0, value) }) {
            fail("must be one of \(enumValues.map(Self.render).joined(separator: ", "))")
        }
        if let constValue, !Self.equal(constValue, value) {
            fail("must be \(Self.render(constValue))")
        }
        switch value {
        case .number(let n):
            if let minimum, n < minimum { fail("must be ≥ \(Self.render(.number(minimum)))") }
            if let maximum, n > maximum { fail("must be ≤ \(Self.render(.number(maximum)))") }
            if let exclusiveMinimum, n <= exclusiveMinimum { fail("must be > \(Self.render(.number(exclusiveMinimum)))") }
            if let exclusiveMaximum, n >= exclusiveMaximum { fail("must be < \(Self.render(.number(exclusiveMaximum)))") }
        case .string(let s):
            let length = s.unicodeScalars.count
            if let minLength, length < minLength { fail("must be at least \(minLength) characters long") }
            if let maxLength, length > maxLength { fail("must be at most \(maxLength) characters long") }
            if let pattern {
                switch pattern.evaluate(s, budget: &failures.patternBudget) {
                case .matched: break
                case .failed: fail("must match the pattern \(pattern.source)")
                case .tooLong:
                    fail("is \(length) characters long; a value checked against a pattern may have at most \(SchemaPattern.maxInputLength)")
                case .overBudget:
                    fail("could not be checked against the pattern \(pattern.source) within the time allowed; simplify the pattern")
                }
            }
        case .array(let elements):
            if let minItems, elements.count < minItems { fail("must have at least \(minItems) items") }
            if let maxItems, elements.count > maxItems { fail("must have at most \(maxItems) items") }
            if let items {
                let base = path()
                for (i, element) in elements.enumerated() { items.check(element, path: "\(base)[\(i)]", into: &failures) }
            }
        case .object(let members):
            let base = path()
            for name in required where members[name] == nil {
                failures.add("\(base).\(name)", "is required")
            }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let schema = properties[name] {
                    schema.check(member, path: "\(base).\(name)", into: &failures)
                } else if !additionalProperties {
                    failures.add(
                        "\(base).\(name)",
                        "is not allowed: the schema permits only \(properties.keys.sorted().joined(separator: ", "))")
                }
            }
        default:
            break
        }
    }

    static func value(_ value: JSONValue, isOfType type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array), ("string", .string),
            ("number", .number):
            return true
        case ("integer", .number(let n)):
            return n.isFinite && n == n.rounded()
        default:
            return false
        }
    }

    static func typeName(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number(let n): n == n.rounded() ? "integer" : "number"
        }
    }

    /// JSON equality: 1 and 1.0 are the same number, key order does not matter.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool { a == b }

    static func render(_ value: JSONValue) -> String {
        (try? String(decoding: ConveyorJSON.encode(value), as: UTF8.self)) ?? "\(value)"
    }
}
