import Foundation

/// Reading the event log through the facade: tenant isolation and the retention check.
extension Conveyor {
    /// Reads the log after `query.after`. A caller that is not admin reads only its own
    /// tenant's events (naming another tenant is forbidden, as for jobs).
    ///
    /// - Throws: ``EventLogGone`` when events after `query.after` were pruned: the reader
    ///   fell behind the retention window and would otherwise skip events silently.
    public func readEvents(_ query: EventQuery, as caller: Caller? = nil) async throws -> EventPage {
        var query = query
        if let caller, !caller.isAdmin {
            if let tenant = query.tenant, tenant != caller.tenant {
                throw ConveyorError.forbidden(
                    "This credential is bound to tenant '\(caller.tenant)' and can read only its events. Leave out `tenant`, or set it to '\(caller.tenant)'.")
            }
            query.tenant = caller.tenant
        }
        let page = try await backend.events.readEvents(query)
        if let after = query.after, after < page.prunedThrough {
            throw EventLogGone(after: after, oldestAvailable: page.prunedThrough + 1)
        }
        return page
    }
}
