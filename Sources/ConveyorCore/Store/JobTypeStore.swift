import Foundation

/// Job types declared for remote workers (``DeclaredJobType``), kept so they can be
/// enqueued before any worker that runs them is online. Shared by every tenant, like the
/// Swift handlers a process registers.
public protocol JobTypeStore: Sendable {
    /// Creates or replaces the declaration of its type.
    func putJobType(_ declaration: DeclaredJobType) async throws

    /// Stores each declaration whose type is not declared yet, and leaves the others as
    /// they are: a worker's registration never overrides an operator's declaration.
    func declareJobTypesIfAbsent(_ declarations: [DeclaredJobType]) async throws

    /// The declarations of these types; types never declared are missing from the answer.
    func jobTypes(named types: [String]) async throws -> [DeclaredJobType]

    /// Every declaration, by type.
    func allJobTypes() async throws -> [DeclaredJobType]

    /// Returns false when the type was not declared.
    func deleteJobType(_ type: String) async throws -> Bool
}
