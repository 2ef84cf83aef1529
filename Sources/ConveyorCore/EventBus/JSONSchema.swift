import Foundation

/// A compiled JSON Schema of the subset Conveyor enforces on topic data.
///
/// Supported: `type` (a name or an array of names: null, boolean, object, array, number,
/// integer, string), `properties`, `required`, `additionalProperties` (true or false),
/// `items` (one schema), `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`,
/// `exclusiveMaximum` (numbers), `minLength`, `maxLength` (in Unicode scalars),
/// `pattern` (NSRegularExpression, unanchored as in JSON Schema, bounded as ``SchemaPattern`` says), `minItems`, `maxItems`,
/// and the annotations `$schema`, `$id`, `$comment`, `title`, `description`, `default`,
/// `examples`, which constrain nothing. `true` and `false` are schemas too.
///
/// Any other keyword (`format`, `$ref`, `oneOf`, …) is refused when the schema is
/// compiled: a keyword that would be silently ignored reads as if it were enforced.
public final class JSONSchema: Sendable {
    /// The keywords that constrain data.
    public static let validationKeywords: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems",
    ]
    /// Keywords accepted and ignored: they describe, they do not constrain.
    public static let annotationKeywords: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "default", "examples",
    ]
    static let typeNames: Set<String> = ["null", "boolean", "object", "array", "number", "integer", "string"]

    let acceptsNothing: Bool
    let types: Set<String>?
    let properties: [String: JSONSchema]
    let required: [String]
    let additionalProperties: Bool
    let items: JSONSchema?
    let enumValues: [JSONValue]?
    let constValue: JSONValue?
    let minimum: Double?
    let maximum: Double?
    let exclusiveMinimum: Double?
    let exclusiveMaximum: Double?
    let minLength: Int?
    let maxLength: Int?
    let pattern: SchemaPattern?
    let minItems: Int?
    let maxItems: Int?

    /// Compiles `schema`, reporting every problem at once; each failure's field is the
    /// keyword's path under `path` (`schema.properties.title.format`).
    ///
    /// - Parameter refusingUnboundedPatterns: Refuse a `pattern` whose matching time
    ///   cannot be bounded (nested quantifiers, backreferences). Saving a schema refuses
    ///   them; a publish compiling a schema stored before this rule accepts them and
    ///   relies on the time budget (see ``SchemaPattern``).
    public convenience init(_ schema: JSONValue, path: String = "schema", refusingUnboundedPatterns: Bool = true) throws(ConveyorError) {
        var failures: [ValidationFailure] = []
        self.init(schema, path: path, refusingUnboundedPatterns: refusingUnboundedPatterns, failures: &failures)
        guard failures.isEmpty else { throw .invalid(failures) }
    }

    private init(_ schema: JSONValue, path: String, refusingUnboundedPatterns: Bool, failures: inout [ValidationFailure]) {
        var object: [String: JSONValue] = [:]
        switch schema {
        case .bool(let accepts):
            acceptsNothing = !accepts
        case .object(let o):
            acceptsNothing = false
            object = o
        default:
            acceptsNothing = false
            failures.append(ValidationFailure(path, "a schema must be a JSON object (or true/false)"))
        }
        func fail(_ keyword: String, _ message: String) {
            failures.append(ValidationFailure("\(path).\(keyword)", message))
        }
        for key in object.keys.sorted()
        where !Self.validationKeywords.contains(key) && !Self.annotationKeywords.contains(key) {
            fail(
                key,
                "'\(key)' is not supported, so it would not be enforced; remove it. Conveyor enforces: \(Self.validationKeywords.sorted().joined(separator: ", "))")
        }
        func count(_ keyword: String) -> Int? {
            guard let value = object[keyword] else { return nil }
            guard let n = value.doubleValue, n >= 0, n == n.rounded(), n < 1e15 else {
                fail(keyword, "must be a non-negative integer")
                return nil
            }
            return Int(n)
        }
        func number(_ keyword: String) -> Double? {
            guard let value = object[keyword] else { return nil }
            guard let n = value.doubleValue else {
                fail(keyword, "must be a number")
                return nil
            }
            return n
        }

        switch object["type"] {
        case nil: types = nil
        case .string(let name)?:
            if !Self.typeNames.contains(name) { fail("type", "unknown type '\(name)'; use \(Self.typeNames.sorted().joined(separator: ", "))") }
            types = [name]
        case .array(let names)?:
            var set: Set<String> = []
            for (i, name) in names.enumerated() {
                guard let name = name.stringValue, Self.typeNames.contains(name) else {
                    fail("type[\(i)]", "must be one of \(Self.typeNames.sorted().joined(separator: ", "))")
                    continue
                }
                set.insert(name)
            }
            if names.isEmpty { fail("type", "must list at least one type") }
            types = set
        default:
            fail("type", "must be a type name or an array of type names")
            types = nil
        }

        var properties: [String: JSONSchema] = [:]
        if let value = object["properties"] {
            if let map = value.objectValue {
                for (name, sub) in map { properties[name] = JSONSchema(sub, path: "\(path).properties.\(name)", refusingUnboundedPatterns: refusingUnboundedPatterns, failures: &failures) }
            } else {
                fail("properties", "must be an object mapping property names to schemas")
            }
        }
        self.properties = properties

        var required: [String] = []
        if let value = object["required"] {
            if case .array(let names) = value, let strings = Optional(names.compactMap(\.stringValue)), strings.count == names.count {
                required = strings
            } else {
                fail("required", "must be an array of property names")
            }
        }
        self.required = required

        switch object["additionalProperties"] {
        case nil: additionalProperties = true
        case .bool(let allowed)?: additionalProperties = allowed
        default:
            fail("additionalProperties", "only true or false is supported (a schema here would not be enforced)")
            additionalProperties = true
        }

        if let value = object["items"] {
            if case .array = value {
                fail("items", "only a single schema is supported (an array of schemas would not be enforced)")
                items = nil
            } else {
                items = JSONSchema(value, path: "\(path).items", refusingUnboundedPatterns: refusingUnboundedPatterns, failures: &failures)
            }
        } else {
            items = nil
        }

        if let value = object["enum"] {
            if case .array(let values) = value, !values.isEmpty {
                enumValues = values
            } else {
                fail("enum", "must be a non-empty array of values")
                enumValues = nil
            }
        } else {
            enumValues = nil
        }
        constValue = object["const"]
        minimum = number("minimum")
        maximum = number("maximum")
        exclusiveMinimum = number("exclusiveMinimum")
        exclusiveMaximum = number("exclusiveMaximum")
        minLength = count("minLength")
        maxLength = count("maxLength")
        minItems = count("minItems")
        maxItems = count("maxItems")

        if let value = object["pattern"] {
            switch value.stringValue.map({ SchemaPattern.compile($0, refusingUnbounded: refusingUnboundedPatterns) }) {
            case .success(let compiled)?:
                pattern = compiled
            case .failure(let failure)?:
                fail("pattern", failure.message)
                pattern = nil
            case nil:
                fail("pattern", "must be a valid regular expression")
                pattern = nil
            }
        } else {
            pattern = nil
        }
    }
}

