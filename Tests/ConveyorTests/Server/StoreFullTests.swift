import ConveyorCore
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ConveyorSQLite

extension ServerTests {
    /// A store out of space: writes answer 507 with a problem that says so (not a bare
    /// 500), `/readyz` reports that writes fail, reads go on, and once there is room
    /// again writes succeed at once. The SQLite file's `max_page_count` stands in for a
    /// full disk: SQLite reports both as SQLITE_FULL.
    @Suite("Store out of space")
    struct StoreFull {
        @Test func writesAnswer507AndReadinessSaysWhyUntilSpaceReturns() async throws {
            let h = try await ServerHarness()
            let store = h.store
            try await h.run { client in
                let first = try await client.send(.post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"fits"}}"#)
                #expect(first.status == .created)
                let pages = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
                try await store.pool.write { db in try db.execute(sql: "PRAGMA max_page_count = \(pages)") }

                let big = String(repeating: "x", count: 200_000)
                let refused = try await client.send(.post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"\#(big)"}}"#)
                let problem = try expectProblem(refused, .init(code: 507), type: "store-full")
                #expect(problem.detail.contains("out of space") || problem.detail.contains("no space"))
                let ready = try await client.send(.get, "/readyz")
                #expect(ready.status == .serviceUnavailable)
                #expect(ready.text.contains("ran out of space"))
                #expect(try await client.send(.get, "/v1/jobs").status == .ok, "reads go on")

                try await store.pool.write { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
                let again = try await client.send(.post, "/v1/jobs", json: #"{"type":"echo","payload":{"text":"\#(big)"}}"#)
                #expect(again.status == .created, "writes succeed as soon as there is room")
                #expect(try await client.list().jobs.count == 2, "nothing was lost or half-written")
            }
        }
    }
}
