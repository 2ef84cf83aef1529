import ArgumentParser
import ConveyorClient
import Foundation

/// How client commands reach a Conveyor server. The flag wins over the environment.
struct ClientOptions: ParsableArguments {
    static let defaultURL = "http://127.0.0.1:8080"

    @Option(name: .long, help: "The Conveyor server's URL (env CONVEYOR_URL; default \(ClientOptions.defaultURL)).")
    var url: String?

    @Option(name: .long, help: "An API key (cvk_…) or JWT for a server with auth (env CONVEYOR_TOKEN; prefer the variable: flags show in ps).")
    var token: String?

    /// The server URL from the flag, then `CONVEYOR_URL`, then the default.
    var serverURL: String {
        url ?? ProcessInfo.processInfo.environment["CONVEYOR_URL"] ?? Self.defaultURL
    }

    /// A client on the process-wide shared HTTP client, which needs no shutdown.
    func client() -> ConveyorClient {
        let token = self.token ?? ProcessInfo.processInfo.environment["CONVEYOR_TOKEN"]
        return ConveyorClient(baseURL: serverURL, token: token?.isEmpty == false ? token : nil)
    }
}
