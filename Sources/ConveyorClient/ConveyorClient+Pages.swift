import AsyncHTTPClient
import ConveyorCore

/// One page at a time of the lists paged with `limit` and `cursor` → `next_cursor`:
/// schedules, webhook endpoints, triggers and inbound sources. The methods without
/// `limit` (``schedules()`` and the like) follow every page.
extension ConveyorClient {
    /// The largest page the server gives.
    static let largestPage = 1000

    public func schedules(limit: Int, cursor: String? = nil) async throws -> ScheduleList {
        try await send(.GET, "/v1/schedules", query: Self.pageQuery(limit, cursor)).decode(ScheduleList.self)
    }

    public func webhooks(limit: Int, cursor: String? = nil) async throws -> WebhookEndpointList {
        try await send(.GET, "/v1/webhooks", query: Self.pageQuery(limit, cursor)).decode(WebhookEndpointList.self)
    }

    public func triggers(limit: Int, cursor: String? = nil) async throws -> TriggerList {
        try await send(.GET, "/v1/triggers", query: Self.pageQuery(limit, cursor)).decode(TriggerList.self)
    }

    public func inboundSources(limit: Int, cursor: String? = nil) async throws -> InboundSourceList {
        try await send(.GET, "/v1/inbound-sources", query: Self.pageQuery(limit, cursor)).decode(InboundSourceList.self)
    }

    static func pageQuery(_ limit: Int, _ cursor: String?) -> [(String, String)] {
        [("limit", String(limit))] + (cursor.map { [("cursor", $0)] } ?? [])
    }

    /// Every item of a paged list, page after page.
    func allPages<Item>(_ page: (String?) async throws -> (items: [Item], next: String?)) async throws -> [Item] {
        var items: [Item] = []
        var cursor: String?
        repeat {
            let answer = try await page(cursor)
            items += answer.items
            cursor = answer.next
        } while cursor != nil
        return items
    }
}
