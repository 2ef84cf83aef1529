import ConveyorCore
import Foundation
import GRDB

/// Conversions between the store's columns and Core's types.
enum SQLiteRow {
    /// Every column of a job, in the order ``job(_:)`` reads them.
    static let jobColumnNames = [
        "id", "type", "queue", "state", "priority", "payload", "run_at", "attempt", "max_attempts", "backoff",
        "timeout_seconds", "idempotency_key", "tags", "tenant", "metadata", "errors", "result", "created_at",
        "started_at", "finished_at", "lease_owner", "lease_expires_at", "cancel_requested", "workflow_id", "step",
        "rerun_of", "created_by", "concurrency_key", "unique_key",
    ]

    /// ``jobColumnNames`` as a select list.
    static let jobColumns = jobColumnNames.joined(separator: ", ")

    /// Rounds, as the JSON timestamps do: times are whole milliseconds from the clock on,
    /// so rounding only removes floating-point noise.
    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    static func date(_ millis: Int64?) -> Date? { millis.map(date) }

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try ConveyorJSON.encode(value), as: UTF8.self)
    }

    /// Most jobs carry no tags and no metadata; skip the encoder for those.
    static func json(_ tags: [String]) throws -> String {
        tags.isEmpty ? "[]" : try json(tags as [String]?)
    }

    static func json(_ value: JSONValue) throws -> String {
        value == .object([:]) ? "{}" : try json(Optional(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try ConveyorJSON.decode(type, from: Data(text.utf8))
    }

    static func job(_ row: Row) throws -> Job {
        guard let state = JobState(rawValue: row[3]) else {
            throw DatabaseError(message: "unknown job state '\(row[3] as String)' in row \(row[0] as String)")
        }
        let result: String? = row[16]
        return Job(
            id: row[0], type: row[1], queue: row[2], state: state, priority: row[4],
            payload: try decode(JSONValue.self, row[5]), runAt: date(row[6]), attempt: row[7], maxAttempts: row[8],
            backoff: try decode(BackoffPolicy.self, row[9]), timeoutSeconds: row[10], idempotencyKey: row[11],
            tags: try decode([String].self, row[12]), tenant: row[13], metadata: try decode(JSONValue.self, row[14]),
            errors: try decode([AttemptError].self, row[15]), result: try result.map { try decode(JSONValue.self, $0) },
            createdAt: date(row[17]), startedAt: date(row[18] as Int64?), finishedAt: date(row[19] as Int64?),
            leaseOwner: row[20], leaseExpiresAt: date(row[21] as Int64?), cancelRequested: row[22],
            workflowID: row[23], step: row[24], rerunOf: row[25], createdBy: row[26],
            concurrencyKey: row[27], uniqueKey: row[28])
    }
}
