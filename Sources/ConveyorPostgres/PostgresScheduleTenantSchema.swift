/// Schedule ids are per tenant (migration 13): the primary key becomes `(tenant, id)`, so
/// two tenants may each have a `nightly-report` and neither learns of the other's. The
/// primary key serves a tenant's listing, so the `(tenant, id)` index of migration 9 goes.
enum PostgresScheduleTenantSchema {
    static let statements: [String] = [
        "ALTER TABLE conveyor_schedules DROP CONSTRAINT IF EXISTS conveyor_schedules_pkey",
        "ALTER TABLE conveyor_schedules ADD CONSTRAINT conveyor_schedules_pkey PRIMARY KEY (tenant, id)",
        "DROP INDEX IF EXISTS conveyor_schedules_tenant",
    ]
}
