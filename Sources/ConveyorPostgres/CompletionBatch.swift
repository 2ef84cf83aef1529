import ConveyorCore
import Foundation
import PostgresNIO

/// A batch of outcomes as one UPDATE per kind of outcome, each joining the rows to
/// arrays of `(id, attempt, owner, …)` passed through `unnest`.
///
/// Every statement is fenced by the lease: it applies only while the job is still
/// running under the same attempt and owner, so a late write from a worker whose lease
/// expired matches nothing. The effect of each kind is that of the SQLite store.
struct CompletionBatch {
    enum Kind: CaseIterable {
        case succeeded, retry, failed, snoozed, cancelled, released

        /// The SET list. `u.at` is the kind's time (finished, or next run), `u.doc` its JSON
        /// (result or error entry); a kind binds only the arrays it uses.
        var set: String {
            switch self {
            case .succeeded: "state = 'succeeded', result = u.doc, finished_at = u.at"
            case .retry: "state = 'retrying', run_at = u.at, errors = j.errors || jsonb_build_array(u.doc)"
            case .failed: "state = 'failed', finished_at = u.at, errors = j.errors || jsonb_build_array(u.doc)"
            // A snooze and a hand-back at shutdown spend no attempt.
            case .snoozed: "state = 'scheduled', run_at = u.at, attempt = j.attempt - 1"
            case .cancelled: "state = 'cancelled', finished_at = u.at"
            case .released: "state = 'queued', attempt = j.attempt - 1"
            }
        }

        var bindsTime: Bool { self != .released }
        var bindsDocument: Bool { self == .succeeded || self == .retry || self == .failed }
    }

    /// The arrays of one kind, one element per outcome.
    struct Group {
        var ids: [String] = []
        var attempts: [Int] = []
        var owners: [String] = []
        var times: [PostgresTimestamp] = []
        var documents: [JSONB?] = []
    }

    private(set) var groups: [(kind: Kind, group: Group)] = []

    init(_ outcomes: [JobOutcome]) throws {
        var byKind: [Kind: [(JobOutcome, PostgresTimestamp?, JSONB?)]] = [:]
        for outcome in outcomes {
            let finished = PostgresTimestamp(outcome.finishedAt)
            switch outcome.kind {
            case .succeeded(let result):
                byKind[.succeeded, default: []].append((outcome, finished, try result.map(JSONB.init)))
            case .retry(let at, let error):
                byKind[.retry, default: []].append((outcome, PostgresTimestamp(at), try JSONB(encoding: error)))
            case .failed(let error):
                byKind[.failed, default: []].append((outcome, finished, try JSONB(encoding: error)))
            case .snoozed(let until):
                byKind[.snoozed, default: []].append((outcome, PostgresTimestamp(until), nil))
            case .cancelled:
                byKind[.cancelled, default: []].append((outcome, finished, nil))
            case .released:
                byKind[.released, default: []].append((outcome, nil, nil))
            }
        }
        for kind in Kind.allCases {
            guard var entries = byKind[kind] else { continue }
            // Rows are locked in id order, so two batches touching the same jobs (a
            // completion and a heartbeat) wait for each other rather than deadlock.
            entries.sort { $0.0.lease.id < $1.0.lease.id }
            var group = Group()
            for (outcome, time, document) in entries {
                group.ids.append(outcome.lease.id)
                group.attempts.append(outcome.lease.attempt)
                group.owners.append(outcome.owner)
                if let time { group.times.append(time) }
                group.documents.append(document)
            }
            groups.append((kind, group))
        }
    }

    /// The UPDATE for one kind; it returns the number of rows it changed, or with
    /// `returningIDs` the ids of those rows.
    static func query(_ kind: Kind, _ group: Group, returningIDs: Bool = false) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 5)
        binds.append(group.ids)
        binds.append(group.attempts)
        binds.append(group.owners)
        var arrays = "$1::text[], $2::bigint[], $3::text[]"
        var names = "id, attempt, owner"
        if kind.bindsTime {
            binds.append(group.times)
            arrays += ", $\(binds.count)::timestamptz[]"
            names += ", at"
        }
        if kind.bindsDocument {
            binds.append(PostgresNullableArray(group.documents))
            arrays += ", $\(binds.count)::jsonb[]"
            names += ", doc"
        }
        return PostgresQuery(
            unsafeSQL: """
                WITH done AS (
                    UPDATE conveyor_jobs j SET \(kind.set), lease_owner = NULL, lease_expires_at = NULL
                    FROM unnest(\(arrays)) AS u(\(names))
                    WHERE j.id = u.id AND j.attempt = u.attempt AND j.lease_owner = u.owner AND j.state = 'running'
                    RETURNING j.id)
                SELECT \(returningIDs ? "id" : "count(*)") FROM done
                """,
            binds: binds)
    }
}
