import ConveyorCore
import Hummingbird

/// Shared by the tenant and API key routes.
enum CredentialRoutes {
    static func store(of conveyor: Conveyor) throws -> any CredentialStore {
        guard let store = conveyor.credentials else {
            throw ProblemError.unavailable(
                "This server keeps no tenants or API keys: it was started without a credential store. The conveyor binary always has one; an embedding program passes one to Conveyor(credentials:).")
        }
        return store
    }
}
