/// The event log's design, and the lock that lets readers see it in a safe order. The
/// table, its triggers and functions are migration 3's (``PostgresSchema/V03Events``), as
/// later migrations changed them.
///
/// Triggers, not statements in each write: every change of a job's state, through any
/// statement present or future, appends its event inside the same statement, so the log
/// cannot miss a change or record one that rolled back. They are statement-level with
/// transition tables: a claim or a completion batch of a thousand jobs runs each trigger
/// once, as one `INSERT … SELECT`.
///
/// **Compact job events.** A job event copies only the columns that change over a job's
/// life (``snapshotColumns``); a read takes the rest from the job's row, decodes the two
/// as one ``ConveyorCore/Job`` and encodes it as the API does, so the job's JSON has one
/// builder, its `Codable`. Writers are the hot path, readers are few and batch.
/// Other events (custom, workflow) carry their JSON in `data`, appended through
/// `conveyor_append_event`, which takes the ordering lock first.
///
/// **Ordering.** A sequence hands out ids in call order, not commit order: a transaction
/// holding id 6 may commit after another committed id 7, and a reader that went past 7
/// would skip 6 for good. So each appending transaction first takes a shared advisory
/// lock keyed by the sequence's current value (``lockMarker`` in the top bits), held to
/// its end: the key is the next id the sequence would hand out, so every id the
/// transaction then draws is at least the key. A reader reads the sequence,
/// then the smallest such key among transactions still running, and only then the
/// events, at most up to just below that key (``PostgresJobStore/readEvents(_:)``).
/// Shared locks never wait on each other, so writers do not serialize.
enum PostgresEventSchema {
    /// "EV" in the top 16 bits of an advisory-lock key; the low 48 bits hold a sequence value.
    /// Migration 3's triggers take the lock with this value written out, and a reader finds
    /// the writers by it: it never changes.
    static let lockMarker: Int64 = 0x4556 << 48
    static let lockMarkerHigh16: Int64 = 0x4556

    /// The job columns a job event copies, as migration 3's triggers write them out; a read
    /// takes the rest from the job's row.
    static let snapshotColumns: Set = [
        "state", "attempt", "run_at", "started_at", "finished_at", "lease_owner", "lease_expires_at",
        "cancel_requested", "metadata", "errors", "result",
    ]

    /// A job's columns (``PostgresJobRow/columnNames``) for a job event: the snapshot ones
    /// from the event row `e`, the rest from its job's row `j`.
    static let eventJobColumns = PostgresJobRow.columnNames
        .map { snapshotColumns.contains($0) ? "e.\($0)" : "j.\($0)" }
        .joined(separator: ", ")
}
