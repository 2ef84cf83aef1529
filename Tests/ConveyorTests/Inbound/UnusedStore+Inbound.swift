import ConveyorCore
import Foundation

/// The route-building tests' store has no inbound sources.
extension UnusedStore {
    func inboundSource(name: String) async throws -> InboundSource? { nil }
    func inboundSources() async throws -> [InboundSource] { [] }
    func saveInboundSource(_ source: InboundSource) async throws -> Bool { false }
    func deleteInboundSource(name: String) async throws -> Bool { false }
}
