import ConveyorCore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// The store for many nodes: PostgreSQL through postgres-nio's pooled `PostgresClient`.
///
/// Every statement that touches the job table lives in this type's files. Claims are
/// exclusive through `FOR UPDATE SKIP LOCKED`, idempotency keys through a unique index;
/// every write a worker makes is fenced by `(id, attempt, lease_owner)`.
///
/// The store is a `Service`: ``run()`` must be running (in the application's
/// `ServiceGroup`, or a task of its own) before any query can complete.
public final class PostgresJobStore: StoreDriver, Service {
    /// The pool every query uses. Public so the notifier and the leader elector can share
    /// it rather than open pools of their own.
    public let client: PostgresClient
    let logger: Logger

    /// Opens a store on a connection URL,
    /// `postgres://user[:password]@host[:port]/database[?sslmode=disable|require]`.
    /// Call ``migrate()`` before use, while ``run()`` runs.
    public convenience init(url: String, maxConnections: Int = 20, logger: Logger = Logger(label: "conveyor.postgres")) throws {
        var configuration = try Self.configuration(url: url)
        configuration.options.maximumConnections = max(1, maxConnections)
        self.init(configuration: configuration, logger: logger)
    }

    /// Opens a store with a client configuration of your own (pool size, timeouts, TLS).
    public init(configuration: PostgresClient.Configuration, logger: Logger) {
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    /// Runs the connection pool until the task is cancelled or graceful shutdown begins.
    public func run() async throws {
        await client.run()
    }

    public func migrate() async throws {
        try await PostgresSchema.migrate(client, logger: logger)
    }

    public func isReady() async -> Bool {
        // A readiness probe must answer even when the database does not.
        do {
            return try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { try await PostgresSchema.isCurrent(self.client, logger: self.logger) }
                group.addTask {
                    try await Task.sleep(for: .seconds(5))
                    throw PostgresStoreError("the database did not answer within 5 seconds")
                }
                defer { group.cancelAll() }
                return try await group.next() ?? false
            }
        } catch {
            logger.debug("store not ready", metadata: ["error": "\(String(reflecting: error))"])
            return false
        }
    }

    // MARK: Insert and read

    public func insertJobs(_ jobs: [NewJob]) async throws -> [InsertResult] {
        guard !jobs.isEmpty else { return [] }
        // Jobs with `unique` take a path of their own (PostgresJobStore+Unique.swift); the rest never pay for it.
        if jobs.contains(where: { $0.unique != nil }) {
            return try await insertUnique(jobs)
        }
        let batch = try InsertBatch(jobs)
        // One statement is a transaction of its own; a batch needs one around the insert
        // and the look-up, so a conflict that is not an idempotency key undoes the batch.
        if jobs.count == 1 {
            return try await insert(batch, on: client)
        }
        return try await client.readCommittedTransaction(logger: logger) { connection in
            try await self.insert(batch, on: connection)
        }
    }

    func insert(_ batch: InsertBatch, on db: some PostgresQueryRunner) async throws -> [InsertResult] {
        var inserted: [String: Int] = [:]
        for row in try await db.rows(batch.insertQuery(), logger: logger) {
            inserted[try row.decode(String.self), default: 0] += 1
        }
        var results: [InsertResult?] = Array(repeating: nil, count: batch.jobs.count)
        var conflicts: [Int] = []
        for (index, job) in batch.jobs.enumerated() {
            // An id returned once stands for its first occurrence only; a repeat was skipped.
            if let count = inserted[job.id], count > 0 {
                inserted[job.id] = count - 1
                results[index] = InsertResult(job: job, created: true)
            } else {
                conflicts.append(index)
            }
        }
        guard !conflicts.isEmpty else { return results.compactMap { $0 } }

        // A separate statement, so under READ COMMITTED it sees a row that a concurrent
        // transaction committed while our insert waited on it: ON CONFLICT DO NOTHING
        // waits for that transaction to end before it decides to skip.
        let keyed = conflicts.compactMap { index in
            batch.jobs[index].idempotencyKey.map { InsertBatch.Key(tenant: batch.jobs[index].tenant, key: $0) }
        }
        var existing: [InsertBatch.Key: Job] = [:]
        if !keyed.isEmpty {
            let query: PostgresQuery = """
                SELECT \(unescaped: PostgresJobRow.columns) FROM conveyor_jobs
                WHERE idempotency_key IS NOT NULL
                    AND (tenant, idempotency_key) IN (SELECT * FROM unnest(\(keyed.map(\.tenant))::text[], \(keyed.map(\.key))::text[]))
                """
            for row in try await db.rows(query, logger: logger) {
                let job = try PostgresJobRow.job(row)
                if let key = job.idempotencyKey { existing[InsertBatch.Key(tenant: job.tenant, key: key)] = job }
            }
        }
        for index in conflicts {
            let job = batch.jobs[index]
            guard let key = job.idempotencyKey, let found = existing[InsertBatch.Key(tenant: job.tenant, key: key)] else {
                throw ConveyorError.duplicateID(job.id)
            }
            results[index] = InsertResult(job: found, created: false)
        }
        return results.compactMap { $0 }
    }

    public func job(id: String) async throws -> Job? {
        try await fetchJob(id: id, on: client)
    }

    public func jobs(ids: [String]) async throws -> [Job] {
        guard !ids.isEmpty else { return [] }
        return try await client.rows(
            "SELECT \(unescaped: PostgresJobRow.columns) FROM conveyor_jobs WHERE id = ANY(\(ids)::text[])", logger: logger
        ).map(PostgresJobRow.job)
    }

    public func listJobs(_ query: JobQuery) async throws -> JobPage {
        var clauses: [String] = []
        var binds = PostgresBindings()
        func filter(_ clause: (String) -> String, _ value: String?) {
            guard let value else { return }
            binds.append(value)
            clauses.append(clause("$\(binds.count)"))
        }
        filter({ "queue = \($0)" }, query.queue)
        filter({ "state = \($0)" }, query.state?.rawValue)
        filter({ "type = \($0)" }, query.type)
        filter({ "tenant = \($0)" }, query.tenant)
        filter({ "tags @> ARRAY[\($0)::text]" }, query.tag)
        filter({ "id < \($0)" }, query.cursor)
        let limit = max(1, query.limit)
        binds.append(limit + 1)
        let sql = """
            SELECT \(PostgresJobRow.columns) FROM conveyor_jobs
            \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "))
            ORDER BY id DESC LIMIT $\(binds.count)
            """
        var jobs = try await client.rows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).map(PostgresJobRow.job)
        let more = jobs.count > limit
        if more { jobs.removeLast() }
        return JobPage(jobs: jobs, nextCursor: more ? jobs.last?.id : nil)
    }

    func fetchJob(id: String, on db: some PostgresQueryRunner, forUpdate: Bool = false) async throws -> Job? {
        try await db.rows(
            "SELECT \(unescaped: PostgresJobRow.columns) FROM conveyor_jobs WHERE id = \(id)\(unescaped: forUpdate ? " FOR UPDATE" : "")",
            logger: logger
        ).first.map(PostgresJobRow.job)
    }

    /// Runs a statement that returns one job, which must exist because the caller holds its row lock.
    func updateJob(_ query: PostgresQuery, id: String, on db: some PostgresQueryRunner) async throws -> Job {
        guard let row = try await db.rows(query, logger: logger).first else {
            throw PostgresStoreError("job \(id) vanished while its row was locked")
        }
        return try PostgresJobRow.job(row)
    }
}
