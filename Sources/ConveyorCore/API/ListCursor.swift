import Foundation

/// The cursors of the list endpoints, and the one answer to a cursor that is not one: a
/// `400` naming `cursor`. Before, a garbage cursor on `GET /v1/jobs` compared as a string
/// and answered an arbitrary page, and the unpaged lists ignored it.
public enum ListCursor {
    /// The page size of the lists paged here, when the request names none.
    public static let defaultLimit = 100

    /// The error for a cursor that did not come from a previous page's `next_cursor`.
    public static func invalid(_ cursor: String) -> ConveyorError {
        ConveyorError(
            .badRequest, "'cursor' is not a cursor from a previous page's next_cursor",
            failures: [ValidationFailure("cursor", "'\(cursor.prefix(100))' is not a cursor from a previous page's next_cursor; omit it to start at the first page")])
    }

    /// Checks a job or workflow cursor: an id (a lowercase UUID).
    public static func checkID(_ cursor: String?) throws(ConveyorError) {
        guard let cursor else { return }
        let bytes = Array(cursor.utf8)
        let dashes: Set<Int> = [8, 13, 18, 23]
        let ok = bytes.count == 36 && bytes.indices.allSatisfy { i in
            dashes.contains(i) ? bytes[i] == UInt8(ascii: "-")
                : (bytes[i] >= 0x30 && bytes[i] <= 0x39) || (bytes[i] >= 0x61 && bytes[i] <= 0x66)
        }
        guard ok else { throw invalid(cursor) }
    }

    /// One page of `items` in the order of `key` (unique per item): those after the
    /// cursor's key, at most `limit`, and the cursor of the next page when there is one.
    /// For lists the facade reads whole (schedules, webhook endpoints, triggers, inbound
    /// sources), so every one pages the same way.
    public static func page<Item>(
        _ items: [Item], key: (Item) -> String, limit: Int, cursor: String?
    ) throws(ConveyorError) -> (items: [Item], nextCursor: String?) {
        let after = try cursor.map { (text: String) throws(ConveyorError) -> String in try decode(text) }
        let sorted = items.map { (key($0), $0) }.sorted { $0.0 < $1.0 }
        let rest = after.map { after in sorted.filter { $0.0 > after } } ?? sorted
        let page = Array(rest.prefix(limit))
        let next = rest.count > limit ? page.last.map { encode($0.0) } : nil
        return (page.map(\.1), next)
    }

    /// An opaque cursor for the key `key`: base64url of a tagged key, so a client cannot
    /// mistake it for an id and a stray string is recognised as garbage.
    static func encode(_ key: String) -> String {
        Data(("c1:" + key).utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) throws(ConveyorError) -> String {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        guard cursor.utf8.count <= 1024, let data = Data(base64Encoded: text),
            let decoded = String(data: data, encoding: .utf8), decoded.hasPrefix("c1:")
        else { throw invalid(cursor) }
        return String(decoded.dropFirst(3))
    }
}
