/// Checking data against a compiled ``JSONSchema``.
extension JSONSchema {
    /// Every way `value` fails the schema, each naming the failing field as a path under
    /// `path` (`data.title`, `data.tags[2]`). Empty when it matches.
    public func validate(_ value: JSONValue, path: String = "data") -> [ValidationFailure] {
        var failures: [ValidationFailure] = []
        check(value, path: path, into: &failures)
        return failures
    }

    private func check(_ value: JSONValue, path: String, into failures: inout [ValidationFailure]) {
        func fail(_ message: String) { failures.append(ValidationFailure(path, message)) }
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
            if let pattern, !pattern.matches(s) { fail("must match the pattern \(pattern.source)") }
        case .array(let elements):
            if let minItems, elements.count < minItems { fail("must have at least \(minItems) items") }
            if let maxItems, elements.count > maxItems { fail("must have at most \(maxItems) items") }
            if let items {
                for (i, element) in elements.enumerated() { items.check(element, path: "\(path)[\(i)]", into: &failures) }
            }
        case .object(let members):
            for name in required where members[name] == nil {
                failures.append(ValidationFailure("\(path).\(name)", "is required"))
            }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let schema = properties[name] {
                    schema.check(member, path: "\(path).\(name)", into: &failures)
                } else if !additionalProperties {
                    failures.append(
                        ValidationFailure(
                            "\(path).\(name)",
                            "is not allowed: the schema permits only \(properties.keys.sorted().joined(separator: ", "))"))
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
