import AsyncHTTPClient
import ConveyorCore
import Foundation
import NIOHTTP1

extension HTTPJob.Payload {
    /// The request to send for one attempt of the job in `context`: secrets resolved,
    /// sealed values opened, and signed with the tenant's signing secret.
    func httpRequest(context: JobContext) async throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in try await resolvedHeaders(context: context).sorted(by: { $0.key < $1.key }) {
            request.headers.add(name: name, value: value)
        }
        var bytes = Data()
        switch body {
        case .json(let value):
            bytes = try ConveyorJSON.encode(value)
            request.body = .bytes(bytes)
            setDefault(&request.headers, "content-type", "application/json")
        case .bytes(let data):
            bytes = data
            request.body = .bytes(data)
            setDefault(&request.headers, "content-type", "application/octet-stream")
        case nil:
            break
        }
        setDefault(&request.headers, "user-agent", "conveyor-http-job")
        request.headers.replaceOrAdd(name: "x-conveyor-job-id", value: context.id)
        request.headers.replaceOrAdd(name: "x-conveyor-attempt", value: String(context.attempt))
        try await sign(&request.headers, body: bytes, context: context, at: Date())
        return request
    }

    private func setDefault(_ headers: inout HTTPHeaders, _ name: String, _ value: String) {
        if !headers.contains(name: name) { headers.add(name: name, value: value) }
    }
}
