import Foundation

/// The OpenAPI 3.1 contract of the API, `openapi/conveyor.json` at the repository's root,
/// compiled in by the EmbedOpenAPI build plugin (which writes ``base64``). That file is
/// the one copy: the SDKs are generated from it and `GET /openapi.json` serves it.
enum OpenAPIDocument {
    /// The file's bytes, exactly.
    static let bytes: [UInt8] = {
        // The plugin encodes the file it read; a failure here is a broken build, not input.
        guard let data = Data(base64Encoded: base64) else { preconditionFailure("the embedded OpenAPI document is not base64") }
        return Array(data)
    }()
}
