import ConveyorCore
import Foundation
import Hummingbird

/// A request body read as JSON, in two steps: first whether it is JSON at all (400 when
/// not), then whether it fits the expected type (422 when not).
struct JSONRequestBody {
    let data: Data
    /// The body as an untyped document, for decisions made before the typed decode.
    let value: JSONValue

    /// Collects the body up to the context's limit; a larger body throws the
    /// content-too-large error that the problem middleware turns into 413.
    static func read(_ request: Request, context: ConveyorRequestContext) async throws -> JSONRequestBody {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else {
            throw MalformedJSONError(message: "The request body is empty.")
        }
        do {
            return JSONRequestBody(data: data, value: try ConveyorJSON.decode(JSONValue.self, from: data))
        } catch {
            throw MalformedJSONError(message: MalformedJSONError.parserMessage(for: data))
        }
    }

    /// Decodes the body as `type`; a `DecodingError` names the offending field.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try ConveyorJSON.decode(type, from: data)
    }
}
