import ConveyorCore
import Foundation
import PostgresNIO

/// A `jsonb` value as raw JSON text, in both directions.
///
/// Conveyor's JSON dialect (RFC 3339 dates with milliseconds, sorted keys) comes from
/// ``ConveyorJSON``, not from postgres-nio's default `JSONEncoder`, so values are coded
/// here and only the bytes cross the wire.
struct JSONB: Sendable, Hashable {
    var bytes: Data

    init(bytes: Data) {
        self.bytes = bytes
    }

    init<T: Encodable>(encoding value: T) throws {
        bytes = try ConveyorJSON.encode(value)
    }

    /// Most jobs carry no metadata; skip the encoder for those.
    init(_ value: JSONValue) throws {
        bytes = value == .object([:]) ? Data("{}".utf8) : try ConveyorJSON.encode(value)
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try ConveyorJSON.decode(type, from: bytes)
    }

    /// PostgreSQL prints an empty object or array as exactly these bytes.
    var isEmptyObject: Bool { bytes.count == 2 && bytes.first == UInt8(ascii: "{") }
    var isEmptyArray: Bool { bytes.count == 2 && bytes.first == UInt8(ascii: "[") }

    /// The binary `jsonb` format is a version byte followed by the JSON text.
    private static let version: UInt8 = 1
}

extension JSONB: PostgresNonThrowingEncodable, PostgresArrayEncodable {
    static var psqlType: PostgresDataType { .jsonb }
    static var psqlFormat: PostgresFormat { .binary }
    static var psqlArrayType: PostgresDataType { .jsonbArray }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(Self.version)
        buffer.writeBytes(bytes)
    }
}

extension JSONB: PostgresDecodable {
    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        switch (format, type) {
        case (.binary, .jsonb):
            guard buffer.readInteger(as: UInt8.self) == Self.version else { throw PostgresDecodingError.Code.failure }
        case (.binary, .json), (.text, .json), (.text, .jsonb):
            break
        default:
            throw PostgresDecodingError.Code.typeMismatch
        }
        bytes = Data(buffer.readableBytesView)
    }
}
