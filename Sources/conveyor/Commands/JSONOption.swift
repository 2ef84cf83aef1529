import ArgumentParser
import ConveyorCore
import Foundation

/// Parses a JSON command-line value, naming the option when it is not JSON.
func parseJSONOption(_ text: String, option: String) throws -> JSONValue {
    do {
        return try ConveyorJSON.decode(JSONValue.self, from: Data(text.utf8))
    } catch {
        throw ValidationError(
            "\(option) is not valid JSON (\(DecodingErrorDescription.describe(error))). Quote it for the shell, e.g. \(option) '{\"to\":\"a@example.com\"}'"
        )
    }
}
