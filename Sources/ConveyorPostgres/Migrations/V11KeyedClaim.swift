extension PostgresSchema {
    /// Migration 11, `keyed_claim`: splits the claim index in two, so only fair queues pay for
    /// a per-key index (see `SQLiteSchema.V11KeyedClaim` for why), and re-creates the claim
    /// functions, which key and unkey a queue's queued jobs as the fair and the plain path start.
    ///
    /// **The claim in PL/pgSQL**, one round trip whichever path it takes (migration 15
    /// redefines `conveyor_claim`; `conveyor_fair_pick` here is today's). `conveyor_claim` takes the plain path (most urgent jobs first,
    /// `SKIP LOCKED`) unless the queue is paused, has limits or fairness, a tripped breaker or
    /// a paused key. Then `conveyor_fair_pick` chooses the jobs under a transaction-scoped
    /// advisory lock per queue, so every count it reads (running jobs, buckets) is exact across
    /// all nodes: two fair claims of one queue run one after the other. It is
    /// `SQLiteFairClaim` line for line; docs/flow-control.md describes the algorithm. To change
    /// it, copy these functions into a new migration and edit them there.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V11KeyedClaim {
        static let statements: [String] = [
            "ALTER TABLE conveyor_jobs ADD COLUMN IF NOT EXISTS keyed boolean NOT NULL DEFAULT false",
            "DROP INDEX IF EXISTS conveyor_jobs_claim",
            """
            CREATE INDEX IF NOT EXISTS conveyor_jobs_claim
                ON conveyor_jobs (queue, priority DESC, run_at, id) WHERE state = 'queued' AND NOT keyed
            """,
            "DROP INDEX IF EXISTS conveyor_jobs_claim_key",
            """
            CREATE INDEX IF NOT EXISTS conveyor_jobs_claim_key
                ON conveyor_jobs (queue, concurrency_key, priority DESC, run_at, id) WHERE state = 'queued' AND keyed
            """,
    // The claim functions, today's (then `PostgresFairClaim`).
            """
            CREATE OR REPLACE FUNCTION conveyor_bucket(p_count integer, p_period_ms bigint, p_tokens double precision,
                p_at timestamptz, p_now timestamptz) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
                SELECT CASE WHEN p_tokens IS NULL OR p_at IS NULL THEN p_count::double precision
                    ELSE least(p_count::double precision,
                        p_tokens + greatest(0, extract(epoch FROM p_now - p_at) * 1000) * p_count / p_period_ms) END
            $$
            """,
            // How many more jobs one key may start now, and its bucket's tokens (null without a key rate).
            """
            CREATE OR REPLACE FUNCTION conveyor_key_room(p_queue text, p_key text, p_now timestamptz,
                s conveyor_queue_settings, p_running integer, p_taken integer, p_left integer,
                OUT room integer, OUT tokens double precision) LANGUAGE plpgsql STABLE AS $$
            DECLARE
                qk conveyor_queue_keys%ROWTYPE;
            BEGIN
                room := p_left;
                tokens := NULL;
                SELECT * INTO qk FROM conveyor_queue_keys k WHERE k.queue = p_queue AND k.key = p_key;
                IF qk.paused_until > p_now THEN
                    room := 0;
                    RETURN;
                END IF;
                IF s.key_concurrency_limit IS NOT NULL THEN
                    room := least(room, s.key_concurrency_limit - p_running - p_taken);
                END IF;
                IF s.key_rate_count IS NOT NULL THEN
                    tokens := conveyor_bucket(s.key_rate_count, s.key_rate_period_ms, qk.tokens, qk.tokens_at, p_now);
                    room := least(room, floor(tokens)::integer - p_taken);
                END IF;
            END
            $$
            """,
            """
            CREATE OR REPLACE FUNCTION conveyor_fair_pick(p_queue text, p_limit integer, p_now timestamptz)
            RETURNS text[] LANGUAGE plpgsql AS $$
            DECLARE
                s conveyor_queue_settings%ROWTYPE;
                budget integer := p_limit;
                running jsonb := '{}';
                total_running integer := 0;
                queue_tokens double precision;
                picked text[] := '{}';
                taken jsonb := '{}';
                buckets jsonb := '{}';
                pr record;
                kr record;
                probe_id text;
                start_key text COLLATE "C";
                after_key text COLLATE "C";
                k text COLLATE "C";
                wrapped boolean := false;
                walk_ended boolean := false;
                visited integer := 0;
                c_keys text[] := '{}';
                c_allow integer[] := '{}';
                c_taken integer[] := '{}';
                c_done boolean[] := '{}';
                remaining integer;
                open_count integer;
                quantum integer;
                want integer;
                got text[];
                progressed boolean;
            BEGIN
                PERFORM pg_advisory_xact_lock(hashtextextended('conveyor.claim:' || p_queue, 0));
                SELECT * INTO s FROM conveyor_queue_settings q WHERE q.queue = p_queue;
                IF s.paused THEN
                    RETURN picked;
                END IF;
                -- Jobs enter the per-key index here, not at insert, so plain queues never pay for it.
                UPDATE conveyor_jobs j SET keyed = true WHERE j.state = 'queued' AND j.queue = p_queue AND NOT j.keyed;
                IF s.concurrency_limit IS NOT NULL OR s.key_concurrency_limit IS NOT NULL THEN
                    SELECT COALESCE(jsonb_object_agg(r.ck, r.n), '{}'), COALESCE(sum(r.n), 0) INTO running, total_running
                    FROM (SELECT j.concurrency_key AS ck, count(*) AS n FROM conveyor_jobs j
                          WHERE j.state = 'running' AND j.queue = p_queue GROUP BY j.concurrency_key) r;
                END IF;
                IF s.concurrency_limit IS NOT NULL THEN
                    budget := least(budget, s.concurrency_limit - total_running);
                END IF;
                IF s.rate_count IS NOT NULL THEN
                    queue_tokens := conveyor_bucket(s.rate_count, s.rate_period_ms, s.tokens, s.tokens_at, p_now);
                    budget := least(budget, floor(queue_tokens)::integer);
                END IF;
                IF budget <= 0 THEN
                    RETURN picked;
                END IF;

                -- A breaker whose cool-down is over lets one probe job run.
                FOR pr IN SELECT c.type, c.key FROM conveyor_circuits c
                          WHERE c.queue = p_queue AND c.state = 'open' AND c.retry_at <= p_now ORDER BY c.retry_at LOOP
                    EXIT WHEN cardinality(picked) >= budget;
                    SELECT * INTO kr FROM conveyor_key_room(p_queue, pr.key, p_now, s,
                        COALESCE((running->>pr.key)::integer, 0), COALESCE((taken->>pr.key)::integer, 0),
                        budget - cardinality(picked));
                    CONTINUE WHEN kr.room <= 0;
                    probe_id := NULL;
                    SELECT j.id INTO probe_id FROM conveyor_jobs j
                    WHERE j.state = 'queued' AND j.keyed AND j.queue = p_queue AND j.concurrency_key = pr.key AND j.type = pr.type
                    ORDER BY j.priority DESC, j.run_at, j.id LIMIT 1;
                    CONTINUE WHEN probe_id IS NULL;
                    UPDATE conveyor_circuits c SET state = 'half_open', probe_job_id = probe_id, updated_at = p_now
                    WHERE c.type = pr.type AND c.key = pr.key;
                    picked := picked || probe_id;
                    taken := jsonb_set(taken, ARRAY[pr.key], to_jsonb(COALESCE((taken->>pr.key)::integer, 0) + 1));
                    IF kr.tokens IS NOT NULL AND NOT buckets ? pr.key THEN
                        buckets := jsonb_set(buckets, ARRAY[pr.key], to_jsonb(kr.tokens));
                    END IF;
                END LOOP;

                -- Walk the keys that have queued jobs, from just after the last one served,
                -- wrapping once, until there is a key per free slot; share the slots among them;
                -- walk on while slots are left (a key held back by a breaker gives none).
                start_key := COALESCE(s.cursor, '');
                after_key := start_key;
                WHILE cardinality(picked) < budget AND NOT walk_ended LOOP
                    c_keys := '{}';
                    c_allow := '{}';
                    c_taken := '{}';
                    c_done := '{}';
                    WHILE cardinality(c_keys) < budget - cardinality(picked) LOOP
                        IF visited >= 2000 THEN
                            walk_ended := true;
                            EXIT;
                        END IF;
                        k := NULL;
                        SELECT j.concurrency_key INTO k FROM conveyor_jobs j
                        WHERE j.state = 'queued' AND j.keyed AND j.queue = p_queue AND j.concurrency_key > after_key
                        ORDER BY j.concurrency_key LIMIT 1;
                        IF k IS NULL THEN
                            IF wrapped OR start_key = '' THEN
                                walk_ended := true;
                                EXIT;
                            END IF;
                            wrapped := true;
                            after_key := '';
                            CONTINUE;
                        END IF;
                        IF wrapped AND k > start_key THEN
                            walk_ended := true;
                            EXIT;
                        END IF;
                        visited := visited + 1;
                        after_key := k;
                        SELECT * INTO kr FROM conveyor_key_room(p_queue, k, p_now, s,
                            COALESCE((running->>k)::integer, 0), COALESCE((taken->>k)::integer, 0),
                            budget - cardinality(picked));
                        IF kr.room > 0 THEN
                            c_keys := c_keys || k::text;
                            c_allow := c_allow || kr.room;
                            c_taken := c_taken || 0;
                            c_done := c_done || false;
                            IF kr.tokens IS NOT NULL AND NOT buckets ? k THEN
                                buckets := jsonb_set(buckets, ARRAY[k::text], to_jsonb(kr.tokens));
                            END IF;
                        END IF;
                        IF wrapped AND k = start_key THEN
                            walk_ended := true;
                            EXIT;
                        END IF;
                    END LOOP;

                    -- Share the free slots: an equal quantum per key per pass, up to its
                    -- allowance; what a short key leaves goes to the others in the next pass.
                    remaining := budget - cardinality(picked);
                    WHILE remaining > 0 LOOP
                        open_count := 0;
                        FOR i IN 1 .. cardinality(c_keys) LOOP
                            IF NOT c_done[i] AND c_taken[i] < c_allow[i] THEN
                                open_count := open_count + 1;
                            END IF;
                        END LOOP;
                        EXIT WHEN open_count = 0;
                        quantum := greatest(1, (remaining + open_count - 1) / open_count);
                        progressed := false;
                        FOR i IN 1 .. cardinality(c_keys) LOOP
                            CONTINUE WHEN c_done[i] OR c_taken[i] >= c_allow[i];
                            EXIT WHEN remaining <= 0;
                            want := least(quantum, c_allow[i] - c_taken[i], remaining);
                            SELECT COALESCE(array_agg(x.id), '{}') INTO got FROM (
                                SELECT j.id FROM conveyor_jobs j
                                WHERE j.state = 'queued' AND j.keyed AND j.queue = p_queue AND j.concurrency_key = c_keys[i]
                                    AND NOT EXISTS (SELECT 1 FROM conveyor_circuits c
                                                    WHERE c.type = j.type AND c.key = j.concurrency_key AND c.state <> 'closed')
                                ORDER BY j.priority DESC, j.run_at, j.id LIMIT want OFFSET c_taken[i]) x;
                            IF cardinality(got) < want THEN
                                c_done[i] := true;
                            END IF;
                            c_taken[i] := c_taken[i] + cardinality(got);
                            taken := jsonb_set(taken, ARRAY[c_keys[i]],
                                to_jsonb(COALESCE((taken->>c_keys[i])::integer, 0) + cardinality(got)));
                            picked := picked || got;
                            remaining := remaining - cardinality(got);
                            IF cardinality(got) > 0 THEN
                                progressed := true;
                            END IF;
                        END LOOP;
                        EXIT WHEN NOT progressed;
                    END LOOP;
                END LOOP;

                IF s.queue IS NOT NULL THEN
                    UPDATE conveyor_queue_settings q SET cursor = after_key,
                        tokens = CASE WHEN queue_tokens IS NULL THEN q.tokens ELSE queue_tokens - cardinality(picked) END,
                        tokens_at = CASE WHEN queue_tokens IS NULL THEN q.tokens_at ELSE p_now END
                    WHERE q.queue = p_queue;
                END IF;
                INSERT INTO conveyor_queue_keys (queue, key, tokens, tokens_at)
                SELECT p_queue, b.key, b.value::double precision - COALESCE((taken->>b.key)::integer, 0), p_now
                FROM jsonb_each_text(buckets) b WHERE COALESCE((taken->>b.key)::integer, 0) > 0
                ON CONFLICT (queue, key) DO UPDATE SET tokens = EXCLUDED.tokens, tokens_at = EXCLUDED.tokens_at;
                RETURN picked;
            END
            $$
            """,
            """
            CREATE OR REPLACE FUNCTION conveyor_claim(p_queue text, p_limit integer, p_owner text, p_lease timestamptz,
                p_now timestamptz)
            RETURNS TABLE (id text, type text, queue text, payload jsonb, attempt integer, max_attempts integer,
                backoff jsonb, timeout_seconds double precision, tenant text, run_at timestamptz, created_at timestamptz,
                priority integer, concurrency_key text)
            LANGUAGE plpgsql AS $$
            #variable_conflict use_column
            DECLARE
                s conveyor_queue_settings%ROWTYPE;
                ids text[];
            BEGIN
                SELECT * INTO s FROM conveyor_queue_settings q WHERE q.queue = p_queue;
                IF NOT COALESCE(s.paused OR s.fair OR s.concurrency_limit IS NOT NULL OR s.key_concurrency_limit IS NOT NULL
                        OR s.rate_count IS NOT NULL OR s.key_rate_count IS NOT NULL, false)
                    AND NOT EXISTS (SELECT 1 FROM conveyor_circuits c WHERE c.queue = p_queue AND c.state <> 'closed')
                    AND NOT EXISTS (SELECT 1 FROM conveyor_queue_keys k WHERE k.queue = p_queue AND k.paused_until > p_now)
                THEN
                    -- Jobs a fair claim keyed go back to plain order; none, nearly always.
                    UPDATE conveyor_jobs k SET keyed = false WHERE k.state = 'queued' AND k.queue = p_queue AND k.keyed;
                    RETURN QUERY
                    UPDATE conveyor_jobs j SET state = 'running', attempt = j.attempt + 1, lease_owner = p_owner,
                        lease_expires_at = p_lease, started_at = p_now, cancel_requested = false
                    WHERE j.id IN (
                        SELECT x.id FROM conveyor_jobs x WHERE x.state = 'queued' AND NOT x.keyed AND x.queue = p_queue
                        ORDER BY x.priority DESC, x.run_at, x.id LIMIT p_limit
                        FOR UPDATE SKIP LOCKED)
                    RETURNING j.id, j.type, j.queue, j.payload, j.attempt, j.max_attempts, j.backoff, j.timeout_seconds,
                        j.tenant, j.run_at, j.created_at, j.priority, j.concurrency_key::text;
                    RETURN;
                END IF;
                ids := conveyor_fair_pick(p_queue, p_limit, p_now);
                IF cardinality(ids) = 0 THEN
                    RETURN;
                END IF;
                RETURN QUERY
                UPDATE conveyor_jobs j SET state = 'running', attempt = j.attempt + 1, lease_owner = p_owner,
                    lease_expires_at = p_lease, started_at = p_now, cancel_requested = false
                WHERE j.id = ANY(ids) AND j.state = 'queued'
                RETURNING j.id, j.type, j.queue, j.payload, j.attempt, j.max_attempts, j.backoff, j.timeout_seconds,
                    j.tenant, j.run_at, j.created_at, j.priority, j.concurrency_key::text;
            END
            $$
            """,
        ]
    }
}
