import Foundation

/// Inbound webhook sources configured through the API (`PUT /v1/inbound-sources/{source}`).
/// Sources from the server's flags are never stored. A source's secret is kept as it was
/// given: verifying an HMAC needs it.
///
/// Verified deliveries are appended with ``EventLogStore/appendEvent(_:)``; its
/// idempotency key de-duplicates them.
public protocol InboundStore: Sendable {
    func inboundSource(name: String) async throws -> InboundSource?

    /// Every stored source, by name.
    func inboundSources() async throws -> [InboundSource]

    /// Creates or replaces the source named `source.name`; true when it was created.
    func saveInboundSource(_ source: InboundSource) async throws -> Bool

    /// False when no source had that name.
    func deleteInboundSource(name: String) async throws -> Bool
}
