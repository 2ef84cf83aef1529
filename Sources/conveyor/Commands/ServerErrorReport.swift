import ArgumentParser
import ConveyorClient

extension ClientOptions {
    /// Runs `body` with a client, turning server and connection errors into a readable
    /// message on stderr and a non-zero exit, instead of a Swift error dump.
    func withClient(_ body: (ConveyorClient) async throws -> Void) async throws {
        do {
            try await body(client())
        } catch let error as ConveyorClientError {
            printError(error.description)
            throw ExitCode.failure
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            printError("cannot talk to the Conveyor server at \(serverURL): \(error)")
            throw ExitCode.failure
        }
    }
}
