import ArgumentParser
import ConveyorClient
import Foundation

/// How client commands reach a Conveyor server.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "The Conveyor server's URL (or set CONVEYOR_URL).")
    var url: String = ProcessInfo.processInfo.environment["CONVEYOR_URL"] ?? "http://127.0.0.1:8080"

    /// A client on the process-wide shared HTTP client, which needs no shutdown.
    func client() -> ConveyorClient {
        ConveyorClient(baseURL: url)
    }
}
