import Crypto
import Foundation

/// The job a schedule fires at one time has one id, whoever fires it: a UUIDv7 whose
/// 48-bit timestamp is the fire time and whose other bits come from the SHA-256 of
/// ``key(tenant:scheduleID:fireTime:)``. A second firing of the same time (a retry after
/// a crash, a split-brain second leader) hits the existing row and creates nothing. The
/// id stays time-ordered like every job id (``JobID``).
///
/// Schedule ids are per tenant, job ids are global: the tenant is part of the key, so two
/// tenants' `nightly` schedules firing at the same time make two jobs. The `default`
/// tenant's key leaves it out, which keeps the ids of schedules made before ids were
/// scoped by tenant (a restart does not fire a time again under a new id).
public enum ScheduleJobID {
    /// `schedule:{id}:{fire time}` for tenant `default`, `schedule:{tenant}/{id}:{fire time}`
    /// for any other (the fire time in ISO 8601 UTC with milliseconds): the job's
    /// idempotency key too. Neither a tenant nor a schedule id may hold a `/`, so no two
    /// (tenant, id) pairs share a key.
    public static func key(tenant: String, scheduleID: String, fireTime: Date) -> String {
        let name = tenant == Tenant.defaultID ? scheduleID : "\(tenant)/\(scheduleID)"
        return "schedule:\(name):\(isoString(fireTime))"
    }

    /// `2026-03-29T01:00:00.000Z`.
    public static func isoString(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let days = CronExpression.floorDiv(millis, 86_400_000)
        let inDay = millis - days * 86_400_000
        let (y, m, d) = CronExpression.civil(fromDays: days)
        return String(
            format: "%04lld-%02d-%02dT%02lld:%02lld:%02lld.%03lldZ", y, m, d, inDay / 3_600_000, inDay / 60000 % 60, inDay / 1000 % 60,
            inDay % 1000)
    }

    public static func make(tenant: String, scheduleID: String, fireTime: Date) -> String {
        let digest = Array(SHA256.hash(data: Array(key(tenant: tenant, scheduleID: scheduleID, fireTime: fireTime).utf8)))
        var rand: UInt64 = 0
        for byte in digest[0..<8] { rand = rand << 8 | UInt64(byte) }
        var rand2: UInt64 = 0
        for byte in digest[8..<16] { rand2 = rand2 << 8 | UInt64(byte) }
        let millis = UInt64(max(0, (fireTime.timeIntervalSince1970 * 1000).rounded(.down))) & 0xFFFF_FFFF_FFFF
        let high = millis << 16 | 0x7000 | (rand & 0x0FFF)
        let low = (rand2 & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let hex = String(format: "%016llx%016llx", high, low)
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }
}
