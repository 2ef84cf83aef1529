import ConveyorCore
import Foundation

/// Prints a value as indented JSON in Conveyor's dialect (RFC 3339 dates, sorted keys).
func printJSON(_ value: some Encodable) throws {
    let encoder = ConveyorJSON.encoder()
    encoder.outputFormatting.insert(.prettyPrinted)
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Writes a line to stderr, where diagnostics belong so stdout stays machine-readable.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
