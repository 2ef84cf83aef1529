/// The queue names one tenant's jobs use: what a tenant's queue listing may show, since
/// other tenants' queue names are theirs.
public protocol TenantQueueStore: Sendable {
    /// The distinct queues of `tenant`'s jobs, sorted.
    func queueNames(tenant: String) async throws -> [String]
}
