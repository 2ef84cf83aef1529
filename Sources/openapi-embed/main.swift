import Foundation

// Writes a Swift file holding the bytes of a file (the OpenAPI document) as base64, for
// the EmbedOpenAPI build plugin. Base64 in one string literal compiles in moments, where
// an array literal of 60,000 bytes costs the type checker many seconds.
// Usage: openapi-embed INPUT OUTPUT
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: openapi-embed INPUT OUTPUT\n".utf8))
    exit(2)
}
let data = try Data(contentsOf: URL(fileURLWithPath: arguments[1]))
let source = """
    // Generated from openapi/conveyor.json by the EmbedOpenAPI plugin at build time; edit that file instead.
    extension OpenAPIDocument {
        static let base64 = "\(data.base64EncodedString())"
    }

    """
try Data(source.utf8).write(to: URL(fileURLWithPath: arguments[2]), options: .atomic)
