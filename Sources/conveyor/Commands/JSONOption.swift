import ArgumentParser
import ConveyorCore
import Foundation

/// Parses a JSON command-line value, naming the option when it is not JSON.
func parseJSONOption(_ text: String, option: String) throws -> JSONValue {
    do {
        return try ConveyorJSON.decode(JSONValue.self, from: Data(text.utf8))
    } catch {
        var reason = DecodingErrorDescription.describe(error)
        if case DecodingError.dataCorrupted(let context) = error, let underlying = context.underlyingError {
            reason = "\(underlying.localizedDescription)"
        }
        throw ValidationError("\(option) is not valid JSON (\(reason)). Example: \(option) '{\"to\":\"a@example.com\"}'")
    }
}
