import ConveyorCore
import Testing

extension EventBusTests {
    /// The validator's subset, keyword by keyword.
    @Suite("JSON Schema subset") struct JSONSchemaTests {
        func fields(_ schema: JSONValue, _ value: JSONValue) throws -> [String] {
            try JSONSchema(schema).validate(value).map(\.field)
        }

        @Test func typesIncludingArraysOfTypesAndIntegers() throws {
            #expect(try fields(["type": ["string", "null"]], .null).isEmpty)
            #expect(try fields(["type": ["string", "null"]], 1) == ["data"])
            #expect(try fields(["type": "integer"], 3).isEmpty)
            #expect(try fields(["type": "integer"], 3.5) == ["data"])
            #expect(try fields(["type": "number"], 3.5).isEmpty)
            #expect(try fields(["type": "boolean"], "true") == ["data"])
            #expect(try fields(true, ["anything": 1]).isEmpty)
            #expect(try fields(false, 1) == ["data"])
        }

        @Test func nestedPathsNameTheField() throws {
            let schema: JSONValue = [
                "type": "object", "required": ["a"],
                "properties": ["a": ["type": "object", "properties": ["b": ["type": "array", "items": ["const": 1], "minItems": 1]]]],
            ]
            #expect(try fields(schema, ["a": ["b": [1, 2, 1]]]) == ["data.a.b[1]"])
            #expect(try fields(schema, ["a": ["b": []]]) == ["data.a.b"])
            #expect(try fields(schema, [:]) == ["data.a"])
        }

        @Test func boundsLengthsAndPatterns() throws {
            let number: JSONValue = ["minimum": 1, "maximum": 10, "exclusiveMaximum": 10]
            #expect(try fields(number, 1).isEmpty)
            #expect(try fields(number, 10) == ["data"])
            #expect(try fields(number, 0) == ["data"])
            #expect(try fields(["exclusiveMinimum": 0], 0) == ["data"])
            let text: JSONValue = ["minLength": 2, "maxLength": 3, "pattern": "^[a-zé]+$"]
            #expect(try fields(text, "éé").isEmpty, "lengths count characters, not bytes")
            #expect(try fields(text, "a") == ["data"])
            #expect(try JSONSchema(text).validate("ABCD").count == 2)
            #expect(try fields(["maxItems": 1], [1, 2]) == ["data"])
            #expect(try fields(["enum": ["a", 1]], 1).isEmpty)
            #expect(try fields(["enum": ["a", 1]], "b") == ["data"])
        }

        @Test func unsupportedOrMalformedKeywordsAreRefused() {
            for (schema, field) in [
                (["format": "email"], "schema.format"),
                (["$ref": "#/x"], "schema.$ref"),
                (["items": [["type": "string"]]], "schema.items"),
                (["additionalProperties": ["type": "string"]], "schema.additionalProperties"),
                (["type": "text"], "schema.type"),
                (["pattern": "(("], "schema.pattern"),
                (["minLength": -1], "schema.minLength"),
                (["properties": ["a": ["if": true]]], "schema.properties.a.if"),
            ] as [(JSONValue, String)] {
                #expect {
                    _ = try JSONSchema(schema)
                } throws: { error in
                    (error as? ConveyorError)?.failures.map(\.field) == [field]
                }
            }
            #expect(throws: Never.self) { try JSONSchema(["title": "x", "description": "y", "$schema": "z", "type": "object"]) }
        }
    }
}
