import Foundation

/// Tenant isolation and tenant limits, shared by every facade call.
extension Conveyor {
    /// Throws "not found" when `caller` may not see job `id`. A job's tenant never
    /// changes, so checking before the store's write cannot race with it.
    func checkAccess(toJob id: String, as caller: Caller?) async throws {
        guard let caller, !caller.isAdmin else { return }
        _ = try await job(id: id, as: caller)
    }

    /// The query as `caller` may run it: a non-admin's listing is pinned to its tenant.
    /// Naming another tenant is refused rather than quietly ignored, so a client that
    /// asked for someone else's jobs is not misled by an empty page.
    func scoped(_ query: JobQuery, to caller: Caller?) throws -> JobQuery {
        guard let caller, !caller.isAdmin else { return query }
        if let tenant = query.tenant, tenant != caller.tenant {
            throw ConveyorError.forbidden(
                "This credential is bound to tenant '\(caller.tenant)' and can list only its jobs. Leave out `tenant`, or set it to '\(caller.tenant)'.")
        }
        var query = query
        query.tenant = caller.tenant
        return query
    }

    /// Refuses the whole batch when a job's payload is larger than its tenant's
    /// `max_payload_bytes`. Payloads are measured as the JSON the store will keep.
    func checkPayloadLimits(_ jobs: [NewJob], fieldPrefix: (Int) -> String) async throws {
        guard let credentials else { return }
        var limits: [String: Int?] = [:]
        for (index, job) in jobs.enumerated() {
            if limits[job.tenant] == nil {
                limits[job.tenant] = .some(try await credentials.tenant(id: job.tenant)?.limits.maxPayloadBytes)
            }
            guard let limit = limits[job.tenant] ?? nil else { continue }
            let size = try ConveyorJSON.encode(job.payload).count
            if size > limit {
                throw ConveyorError(
                    .tooLarge,
                    "\(fieldPrefix(index))payload is \(size) bytes; tenant '\(job.tenant)' accepts payloads of at most \(limit) bytes. Store large data elsewhere and pass a reference, or ask an admin to raise the tenant's max_payload_bytes.")
            }
        }
    }
}
