import Hummingbird

/// `GET /openapi.json`: the API's OpenAPI 3.1 document, byte for byte
/// `openapi/conveyor.json`. Public, like the probes: a contract is no secret, and clients
/// fetch it before they hold a credential.
struct OpenAPIRoute {
    func register(in routes: inout RouteTable) {
        routes.on(.get, "/openapi.json", use: document)
    }

    @Sendable func document(_ request: Request, context: ConveyorRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = Response.jsonContentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
    }
}
