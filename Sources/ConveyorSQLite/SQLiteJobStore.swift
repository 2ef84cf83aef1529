import ConveyorCore
import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode, through GRDB.
///
/// Every statement that touches the job table lives in this type's files. Writes are
/// serialised by SQLite, which is what makes claims exclusive and idempotency keys
/// race-free on one node.
public final class SQLiteJobStore: StoreDriver {
    let pool: DatabasePool
    public let path: String

    /// The log size, in pages, at which a commit checkpoints by itself (SQLite's default
    /// is 1,000). ``SQLiteCheckpointer`` normally keeps the log far below it.
    static let writerCheckpointPages = 10_000

    /// Opens (or creates) the database file. Call ``migrate()`` before use.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL with synchronous=NORMAL survives a killed process; only an OS crash or
            // power loss can drop the last commits. See docs/deploying.md.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // The writer's pages are the hot ones (the claim and stage indexes, the log's
            // tail): 64 MB keeps them in memory. Each reader (up to five) keeps 16 MB, so
            // the caches stay under 150 MB however large the tables grow.
            try db.execute(sql: "PRAGMA cache_size = \(db.configuration.readonly ? -16384 : -65536)")
            // SQLiteCheckpointer copies the log back beside the writer; this is the backstop.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.writerCheckpointPages)")
        }
        self.path = path
        try Self.createPrivately(path)
        self.pool = try DatabasePool(path: path, configuration: configuration)
    }

    /// Creates the database file owner-only (0600) before SQLite opens it: it holds API key
    /// hashes, webhook and inbound secrets. SQLite gives the `-wal` and `-shm` files it
    /// makes the database file's permissions, so they are 0600 too. An existing file keeps
    /// its mode (an operator may have chosen one); a new empty file is a valid database.
    /// No umask change: that is process-wide, and other threads may be creating files.
    static func createPrivately(_ path: String) throws {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            // The mode passed to open is masked by the umask: set it exactly.
            let changed = fchmod(fd, 0o600)
            close(fd)
            if changed != 0 { throw SQLiteFileError(path: path, operation: "chmod 0600", code: errno) }
        } else if errno != EEXIST {
            throw SQLiteFileError(path: path, operation: "create", code: errno)
        }
    }

    public func migrate() async throws {
        try MigrationLock.holding(forDatabaseAt: path) { try SQLiteSchema.migrator.migrate(pool) }
    }

    public func isReady() async -> Bool {
        (try? await pool.read { db in try SQLiteSchema.migrator.hasCompletedMigrations(db) }) ?? false
    }

    // MARK: Insert and read

    public func insertJobs(_ jobs: [NewJob]) async throws -> [InsertResult] {
        // A batch nearly always shares one backoff policy: encode each policy once.
        var backoffs: [BackoffPolicy: String] = [:]
        let rows = try jobs.map { job in
            let backoff = try backoffs[job.backoff] ?? SQLiteRow.json(job.backoff)
            backoffs[job.backoff] = backoff
            return try InsertRow(job, backoffJSON: backoff)
        }
        return try await pool.write { db in
            let insert = try db.cachedStatement(sql: Self.insertSQL)
            var results: [InsertResult] = []
            results.reserveCapacity(rows.count)
            var created: [String] = []
            created.reserveCapacity(rows.count)
            for row in rows {
                // Only jobs with `unique` look for a holder first; the single writer makes it race-free.
                if row.unique != nil, let match = try Self.uniqueMatch(db, for: row) {
                    Self.record(match, in: &results)
                    continue
                }
                try insert.execute(arguments: row.arguments)
                if db.changesCount == 1 {
                    results.append(InsertResult(job: row.job, created: true))
                    created.append(row.job.id)
                } else if let key = row.job.idempotencyKey,
                    let existing = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT \(SQLiteRow.jobColumns) FROM jobs WHERE tenant = ? AND idempotency_key = ?"),
                        arguments: [row.job.tenant, key])
                {
                    results.append(InsertResult(job: try SQLiteRow.job(existing), created: false))
                } else {
                    throw ConveyorError.duplicateID(row.job.id)
                }
            }
            // A repeated idempotency key inserted nothing, so it appends nothing.
            try SQLiteEventLog.appendJobEvents(db, ids: created, submitted: true)
            return results
        }
    }

    public func job(id: String) async throws -> Job? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT \(SQLiteRow.jobColumns) FROM jobs WHERE id = ?"), arguments: [id])
                .map(SQLiteRow.job)
        }
    }

    public func jobs(ids: [String]) async throws -> [Job] {
        guard !ids.isEmpty else { return [] }
        let list = try SQLiteRow.json(ids)
        return try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT \(SQLiteRow.jobColumns) FROM jobs WHERE id IN (SELECT value FROM json_each(?))"),
                arguments: [list]
            ).map(SQLiteRow.job)
        }
    }

    public func listJobs(_ query: JobQuery) async throws -> JobPage {
        var clauses: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        func filter(_ clause: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            clauses.append(clause)
            arguments.append(value)
        }
        filter("queue = ?", query.queue)
        filter("state = ?", query.state?.rawValue)
        filter("type = ?", query.type)
        filter("tenant = ?", query.tenant)
        filter("EXISTS (SELECT 1 FROM json_each(jobs.tags) WHERE value = ?)", query.tag)
        filter("id < ?", query.cursor)
        let limit = max(1, query.limit)
        let sql = """
            SELECT \(SQLiteRow.jobColumns) FROM jobs
            \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "))
            ORDER BY id DESC LIMIT \(limit + 1)
            """
        let args = StatementArguments(arguments)
        return try await pool.read { db in
            var jobs = try Row.fetchAll(db, sql: sql, arguments: args).map(SQLiteRow.job)
            let more = jobs.count > limit
            if more { jobs.removeLast() }
            return JobPage(jobs: jobs, nextCursor: more ? jobs.last?.id : nil)
        }
    }

    /// The one statement that creates jobs: enqueues, and workflow steps (``InsertRow``'s arguments).
    static let insertSQL = """
        INSERT INTO jobs (id, type, queue, state, priority, payload, run_at, max_attempts, backoff,
            timeout_seconds, idempotency_key, tags, tenant, metadata, created_at, workflow_id, step, rerun_of,
            created_by, concurrency_key, unique_key)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    func fetchJob(_ db: Database, id: String) throws -> Job? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(SQLiteRow.jobColumns) FROM jobs WHERE id = ?"), arguments: [id])
            .map(SQLiteRow.job)
    }
}

/// A new job's column values, encoded before the write transaction starts so the
/// single writer spends its time writing.
struct InsertRow {
    let job: Job
    let arguments: StatementArguments
    /// Checked in the write transaction before the row goes in (``SQLiteJobStore/uniqueMatch(_:for:)``).
    let unique: UniqueOptions?

    init(_ new: NewJob, backoffJSON: String) throws {
        let state = new.initialState
        job = Job(
            id: new.id, type: new.type, queue: new.queue, state: state, priority: new.priority, payload: new.payload,
            runAt: new.runAt, attempt: 0, maxAttempts: new.maxAttempts, backoff: new.backoff,
            timeoutSeconds: new.timeoutSeconds, idempotencyKey: new.idempotencyKey, tags: new.tags, tenant: new.tenant,
            metadata: new.metadata, errors: [], result: nil, createdAt: new.createdAt, startedAt: nil, finishedAt: nil,
            leaseOwner: nil, leaseExpiresAt: nil, cancelRequested: false, workflowID: new.workflowID, step: new.step,
            rerunOf: new.rerunOf, createdBy: new.createdBy, concurrencyKey: new.resolvedConcurrencyKey,
            uniqueKey: new.unique?.key)
        unique = new.unique
        let values: [(any DatabaseValueConvertible)?] = [
            new.id, new.type, new.queue, state.rawValue, new.priority, try SQLiteRow.json(new.payload),
            SQLiteRow.millis(new.runAt), new.maxAttempts, backoffJSON, new.timeoutSeconds,
            new.idempotencyKey, try SQLiteRow.json(new.tags), new.tenant, try SQLiteRow.json(new.metadata),
            SQLiteRow.millis(new.createdAt), new.workflowID, new.step, new.rerunOf, new.createdBy,
            new.resolvedConcurrencyKey, new.unique?.key,
        ]
        arguments = StatementArguments(values)
    }
}

extension SQLiteJobStore {
    /// SQLITE_FULL: the disk (or the database's `max_page_count`) has no room left.
    public func isOutOfSpace(_ error: any Error) -> Bool {
        (error as? DatabaseError)?.resultCode == .SQLITE_FULL
    }
}
