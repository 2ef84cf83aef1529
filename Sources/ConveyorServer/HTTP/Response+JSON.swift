import ConveyorCore
import Hummingbird

extension Response {
    static let jsonContentType = "application/json"

    /// A JSON response in Conveyor's one JSON dialect (snake_case keys, RFC 3339 dates).
    static func json(
        _ value: some Encodable, status: HTTPResponse.Status = .ok, contentType: String = jsonContentType,
        headers extra: HTTPFields = [:]
    ) throws -> Response {
        let data = try ConveyorJSON.encode(value)
        var headers = extra
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
