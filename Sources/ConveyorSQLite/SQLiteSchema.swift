import GRDB

/// Versioned migrations of the SQLite schema. Add a migration; never edit a shipped one.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-jobs") { db in
            // Times are Unix milliseconds. JSON columns hold text so the sqlite3 shell shows them.
            try db.execute(
                sql: """
                    CREATE TABLE jobs (
                        id TEXT PRIMARY KEY NOT NULL,
                        type TEXT NOT NULL,
                        queue TEXT NOT NULL,
                        state TEXT NOT NULL,
                        priority INTEGER NOT NULL DEFAULT 0,
                        payload TEXT NOT NULL,
                        run_at INTEGER NOT NULL,
                        attempt INTEGER NOT NULL DEFAULT 0,
                        max_attempts INTEGER NOT NULL,
                        backoff TEXT NOT NULL,
                        timeout_seconds REAL,
                        idempotency_key TEXT,
                        tags TEXT NOT NULL DEFAULT '[]',
                        tenant TEXT NOT NULL,
                        metadata TEXT NOT NULL DEFAULT '{}',
                        errors TEXT NOT NULL DEFAULT '[]',
                        result TEXT,
                        created_at INTEGER NOT NULL,
                        started_at INTEGER,
                        finished_at INTEGER,
                        lease_owner TEXT,
                        lease_expires_at INTEGER,
                        cancel_requested INTEGER NOT NULL DEFAULT 0,
                        workflow_id TEXT,
                        step TEXT,
                        rerun_of TEXT
                    ) WITHOUT ROWID;

                    -- Claiming walks this index in claim order and never sees other states.
                    CREATE INDEX jobs_claim ON jobs (queue, priority DESC, run_at, id) WHERE state = 'queued';
                    -- The stager's and reaper's scans.
                    CREATE INDEX jobs_waiting ON jobs (run_at) WHERE state IN ('scheduled', 'retrying');
                    CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state = 'running';
                    CREATE INDEX jobs_finished ON jobs (state, finished_at) WHERE state IN ('succeeded', 'failed', 'cancelled');
                    CREATE UNIQUE INDEX jobs_idempotency ON jobs (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL;
                    -- Listing and queue counts.
                    CREATE INDEX jobs_queue_state ON jobs (queue, state, id);
                    CREATE INDEX jobs_state ON jobs (state, id);
                    """)
        }
        return migrator
    }
}
