import Foundation

/// The one JSON dialect Conveyor speaks on every surface: the API, the store's JSON
/// columns and the client. Dates are RFC 3339 with milliseconds, in UTC.
public enum ConveyorJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatDate(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "expected an RFC 3339 timestamp such as 2026-01-31T12:00:00Z, got '\(text)'")
            }
            return date
        }
        return decoder
    }

    /// `2026-01-31T12:00:00.123Z`. Rounds to the nearest millisecond (the formatter
    /// would truncate, turning a stored .123 that is really .12299999 into .122).
    public static func formatDate(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = (millis.floorDiv(1000), millis.floorMod(1000))
        let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())
        let digits = String(fraction)
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    public static func parseDate(_ text: String) -> Date? {
        if let d = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return d }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }

    // Configured once and shared: making a coder costs more than most payloads take to code.
    private static let sharedEncoder = encoder()
    private static let sharedDecoder = decoder()

    /// Encodes a value for a JSON column or response body.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        try sharedEncoder.encode(value)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try sharedDecoder.decode(type, from: data)
    }

    /// `value` as the document ``encode(_:)`` writes, held in memory: what a reader of that
    /// text would decode. The event log builds a job event's `data` with it.
    public static func value<T: Encodable>(of value: T) throws -> JSONValue {
        try decode(JSONValue.self, from: encode(value))
    }
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 { (self - floorMod(d)) / d }
    fileprivate func floorMod(_ d: Int64) -> Int64 { ((self % d) + d) % d }
}
