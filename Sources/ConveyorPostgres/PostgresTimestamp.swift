import Foundation
import PostgresNIO

/// A `timestamptz` kept as whole Unix milliseconds.
///
/// postgres-nio's own `Date` coding goes through floating-point seconds since 2000 and
/// truncates, so a stored `.123` can come back as `.122999…` and compare unequal to the
/// `Date` that was written. Converting through integer milliseconds makes every time
/// read back as exactly the `Date` the SQLite store returns for it.
struct PostgresTimestamp: Sendable, Hashable {
    /// Milliseconds since the Unix epoch.
    var millis: Int64

    init(_ date: Date) {
        // Rounds, as the JSON timestamps do: times are whole milliseconds from the clock on.
        millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    var date: Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    /// PostgreSQL counts from 2000-01-01, in microseconds.
    private static let postgresEpochMillis: Int64 = 946_684_800_000
}

extension PostgresTimestamp: PostgresNonThrowingEncodable, PostgresArrayEncodable {
    static var psqlType: PostgresDataType { .timestamptz }
    static var psqlFormat: PostgresFormat { .binary }
    static var psqlArrayType: PostgresDataType { .timestamptzArray }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger((millis - Self.postgresEpochMillis) * 1000)
    }
}

extension PostgresTimestamp: PostgresDecodable {
    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard format == .binary, type == .timestamptz || type == .timestamp else {
            throw PostgresDecodingError.Code.typeMismatch
        }
        guard buffer.readableBytes == 8, let micros = buffer.readInteger(as: Int64.self) else {
            throw PostgresDecodingError.Code.failure
        }
        // Floor division, then round to the nearest millisecond; written this way so
        // PostgreSQL's ±infinity (Int64 extremes) cannot overflow.
        var whole = micros / 1000
        var rest = micros % 1000
        if rest < 0 {
            whole -= 1
            rest += 1000
        }
        if rest >= 500 { whole += 1 }
        millis = whole + Self.postgresEpochMillis
    }
}
