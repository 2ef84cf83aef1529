import AsyncHTTPClient
import ConveyorCore
import Foundation
import NIOCore
import NIOHTTP1

extension ConveyorClient {
    /// The most response bytes read. Generous for a page of jobs with large payloads,
    /// yet bounded so a misbehaving server cannot exhaust memory.
    static let responseLimit = 64 * 1024 * 1024

    /// A 2xx response's status and body.
    struct Reply {
        var status: Int
        var body: ByteBuffer

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try ConveyorJSON.decoder().decode(type, from: Data(body.readableBytesView))
        }
    }

    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = []) async throws -> Reply {
        try await send(method, path, query: query, body: Optional<EnqueueRequest>.none)
    }

    /// Sends one request and returns the response when it is 2xx; throws
    /// ``ConveyorClientError`` otherwise.
    func send<Body: Encodable>(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Body?
    ) async throws -> Reply {
        var url = baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\(PercentEncoding.encode($0))=\(PercentEncoding.encode($1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "accept", value: "application/json, \(Problem.contentType)")
        request.headers.add(name: "user-agent", value: "conveyor-swift-client")
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        if let body {
            request.body = .bytes(try ConveyorJSON.encoder().encode(body))
            request.headers.add(name: "content-type", value: "application/json")
        }
        let deadline = NIODeadline.now() + timeout
        let response = try await httpClient.execute(request, deadline: deadline)
        // The deadline above stops at the response head; a stalled body must not hang the caller.
        let bytes = try await withThrowingTaskGroup(of: ByteBuffer.self) { group in
            group.addTask { try await response.body.collect(upTo: Self.responseLimit) }
            group.addTask {
                try await Task.sleep(for: .nanoseconds(max(0, (deadline - .now()).nanoseconds)))
                throw HTTPClientError.deadlineExceeded
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            throw ConveyorClientError(status: status, body: bytes, method: method.rawValue, url: url)
        }
        return Reply(status: status, body: bytes)
    }
}
