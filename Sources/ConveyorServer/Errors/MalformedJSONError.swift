import Foundation

/// The request body is not JSON at all, as opposed to JSON of the wrong shape. The two
/// are told apart because the fixes differ: a syntax error is a client bug, a wrong
/// field is a data problem the client can correct from the field errors.
struct MalformedJSONError: Error {
    /// What the parser reported, with a position when one is known.
    let message: String

    /// `JSONDecoder` decides whether the body is JSON, but on Linux it reports no position;
    /// `JSONSerialization` does, so it is asked only for the wording. The key is spelled
    /// out because corelibs Foundation does not export `NSDebugDescriptionKey`. It is more
    /// lenient (it accepts trailing commas), hence the generic fallback.
    static func parserMessage(for data: Data) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            if let debug = (error as NSError).userInfo["NSDebugDescription"] as? String {
                return debug
            }
        }
        return "The given data was not valid JSON."
    }
}
