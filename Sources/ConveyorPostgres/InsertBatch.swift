import ConveyorCore
import Foundation
import PostgresNIO

/// New jobs as one array per column, encoded before a connection is taken, so a batch
/// of any size is one INSERT with a fixed text and one parameter per column.
struct InsertBatch {
    /// An idempotency key is unique per tenant.
    struct Key: Hashable {
        var tenant: String
        var key: String
    }

    /// The jobs as they will read back once inserted, in request order.
    let jobs: [Job]
    /// Each job's concurrency key as stored (``NewJob/resolvedConcurrencyKey``).
    private let concurrencyKeys: [String]
    private let payloads: [JSONB]
    private let backoffs: [JSONB]
    private let tags: [JSONB]
    private let metadata: [JSONB]

    init(_ newJobs: [NewJob]) throws {
        var jobs: [Job] = []
        jobs.reserveCapacity(newJobs.count)
        var payloads: [JSONB] = []
        var backoffs: [JSONB] = []
        var tags: [JSONB] = []
        var metadata: [JSONB] = []
        // Most jobs of a batch share a few backoff policies: encode each once.
        var encodedBackoffs: [BackoffPolicy: JSONB] = [:]
        for new in newJobs {
            jobs.append(
                Job(
                    id: new.id, type: new.type, queue: new.queue, state: new.initialState, priority: new.priority,
                    payload: new.payload, runAt: new.runAt, attempt: 0, maxAttempts: new.maxAttempts, backoff: new.backoff,
                    timeoutSeconds: new.timeoutSeconds, idempotencyKey: new.idempotencyKey, tags: new.tags,
                    tenant: new.tenant, metadata: new.metadata, errors: [], result: nil, createdAt: new.createdAt,
                    startedAt: nil, finishedAt: nil, leaseOwner: nil, leaseExpiresAt: nil, cancelRequested: false,
                    workflowID: new.workflowID, step: new.step, rerunOf: new.rerunOf, createdBy: new.createdBy,
                    concurrencyKey: new.resolvedConcurrencyKey, uniqueKey: new.unique?.key))
            payloads.append(try JSONB(new.payload))
            let backoff = try encodedBackoffs[new.backoff] ?? JSONB(encoding: new.backoff)
            encodedBackoffs[new.backoff] = backoff
            backoffs.append(backoff)
            tags.append(new.tags.isEmpty ? JSONB(bytes: Data("[]".utf8)) : try JSONB(encoding: new.tags))
            metadata.append(try JSONB(new.metadata))
        }
        self.jobs = jobs
        // As stored, scoped to the tenant; a `Job` shows the key as given.
        self.concurrencyKeys = newJobs.map(\.resolvedConcurrencyKey)
        self.payloads = payloads
        self.backoffs = backoffs
        self.tags = tags
        self.metadata = metadata
    }

    /// Inserts the batch and returns the ids it inserted. A row that hits the idempotency
    /// index (or an existing id) is skipped. Rows go in ordered by their key, so two
    /// batches sharing keys lock them in the same order and cannot deadlock; among equal
    /// keys request order is kept, so the first of them is the one inserted.
    func insertQuery() -> PostgresQuery {
        """
        INSERT INTO conveyor_jobs (id, type, queue, state, priority, payload, run_at, max_attempts, backoff,
            timeout_seconds, idempotency_key, tags, tenant, metadata, created_at, workflow_id, step, rerun_of, created_by,
            concurrency_key, unique_key)
        SELECT u.id, u.type, u.queue, u.state, u.priority, u.payload, u.run_at, u.max_attempts, u.backoff,
            u.timeout_seconds, u.idempotency_key, ARRAY(SELECT jsonb_array_elements_text(u.tags)), u.tenant, u.metadata,
            u.created_at, u.workflow_id, u.step, u.rerun_of, u.created_by, u.concurrency_key, u.unique_key
        FROM unnest(
            \(jobs.map(\.id))::text[], \(jobs.map(\.type))::text[], \(jobs.map(\.queue))::text[],
            \(jobs.map(\.state.rawValue))::text[], \(jobs.map(\.priority))::bigint[], \(payloads)::jsonb[],
            \(jobs.map { PostgresTimestamp($0.runAt) })::timestamptz[], \(jobs.map(\.maxAttempts))::bigint[],
            \(backoffs)::jsonb[], \(PostgresNullableArray(jobs.map(\.timeoutSeconds)))::float8[],
            \(PostgresNullableArray(jobs.map(\.idempotencyKey)))::text[], \(tags)::jsonb[], \(jobs.map(\.tenant))::text[],
            \(metadata)::jsonb[], \(jobs.map { PostgresTimestamp($0.createdAt) })::timestamptz[],
            \(PostgresNullableArray(jobs.map(\.workflowID)))::text[], \(PostgresNullableArray(jobs.map(\.step)))::text[],
            \(PostgresNullableArray(jobs.map(\.rerunOf)))::text[], \(PostgresNullableArray(jobs.map(\.createdBy)))::text[],
            \(concurrencyKeys)::text[], \(PostgresNullableArray(jobs.map(\.uniqueKey)))::text[]
        ) WITH ORDINALITY AS u(id, type, queue, state, priority, payload, run_at, max_attempts, backoff, timeout_seconds,
            idempotency_key, tags, tenant, metadata, created_at, workflow_id, step, rerun_of, created_by, concurrency_key, unique_key,
            ordinal)
        ORDER BY u.tenant, u.idempotency_key, u.ordinal
        ON CONFLICT DO NOTHING
        RETURNING id
        """
    }
}
