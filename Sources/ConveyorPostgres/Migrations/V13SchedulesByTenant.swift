extension PostgresSchema {
    /// Migration 13, `schedules_by_tenant`: schedule ids are per tenant. The primary key becomes
    /// `(tenant, id)`, so two tenants may each have a `nightly-report` and neither learns of the
    /// other's; the primary key serves a tenant's listing, so migration 9's `(tenant, id)` index goes.
    ///
    /// Frozen: a database that ran it keeps what it made, so this text never changes; change
    /// the schema with a new migration (docs/architecture.md, "Migrations are frozen").
    enum V13SchedulesByTenant {
        static let statements: [String] = [
            "ALTER TABLE conveyor_schedules DROP CONSTRAINT IF EXISTS conveyor_schedules_pkey",
            "ALTER TABLE conveyor_schedules ADD CONSTRAINT conveyor_schedules_pkey PRIMARY KEY (tenant, id)",
            "DROP INDEX IF EXISTS conveyor_schedules_tenant",
        ]
    }
}
