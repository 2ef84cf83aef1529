import ConveyorCore
import Foundation
import Testing

/// The `JobTypeStore` contract, run against every store.
@Suite("JobTypeStore conformance")
struct JobTypeStoreConformanceTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func make(_ kind: StoreKind) async throws -> any JobTypeStore {
        try #require(try await kind.make() as? any JobTypeStore)
    }

    func declared(_ type: String, queue: String = "content", by: String = "api", schema: JSONValue? = nil) -> DeclaredJobType {
        DeclaredJobType(
            type: type,
            defaults: JobDefaults(queue: queue, priority: 5, maxAttempts: 7, backoff: .default, timeoutSeconds: 300),
            payloadSchema: schema, declaredBy: by, updatedAt: t0)
    }

    @Test(arguments: StoreKind.allCases)
    func putCreatesAndReplacesAndDeleteRemoves(kind: StoreKind) async throws {
        let store = try await make(kind)
        let schema: JSONValue = .object(["type": .string("object"), "required": .array([.string("url")])])
        try await store.putJobType(declared("scrape", schema: schema))
        try await store.putJobType(declared("render"))
        #expect(try await store.allJobTypes() == [declared("render"), declared("scrape", schema: schema)])
        try await store.putJobType(declared("scrape", queue: "crawl"))
        #expect(try await store.jobTypes(named: ["scrape"]) == [declared("scrape", queue: "crawl")])
        #expect(try await store.deleteJobType("scrape"))
        #expect(!(try await store.deleteJobType("scrape")))
        #expect(try await store.jobTypes(named: ["scrape", "render"]).map(\.type) == ["render"])
        #expect(try await store.jobTypes(named: []).isEmpty)
    }

    /// A worker's registration never overrides what an operator declared.
    @Test(arguments: StoreKind.allCases)
    func declaringIfAbsentLeavesExistingDeclarations(kind: StoreKind) async throws {
        let store = try await make(kind)
        try await store.putJobType(declared("scrape", queue: "crawl"))
        try await store.declareJobTypesIfAbsent([
            declared("scrape", by: "worker:ts"), declared("summarize", by: "worker:ts"),
        ])
        #expect(
            try await store.allJobTypes() == [declared("scrape", queue: "crawl"), declared("summarize", by: "worker:ts")])
        try await store.declareJobTypesIfAbsent([])
        #expect(try await store.allJobTypes().count == 2)
    }
}
