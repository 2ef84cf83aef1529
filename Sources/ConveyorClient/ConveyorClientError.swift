import ConveyorCore
import Foundation
import NIOCore

/// The server answered with a status other than 2xx.
public struct ConveyorClientError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    /// The server's explanation; nil when the body was not a problem document (e.g. an
    /// error from a proxy in front of the server).
    public var problem: Problem?
    /// The start of the body when it was not a problem document.
    public var bodyExcerpt: String?
    /// The request, e.g. `GET http://127.0.0.1:8080/v1/jobs/abc`.
    public var request: String

    public init(status: Int, problem: Problem?, bodyExcerpt: String? = nil, request: String) {
        self.status = status
        self.problem = problem
        self.bodyExcerpt = bodyExcerpt
        self.request = request
    }

    init(status: Int, body: ByteBuffer, method: String, url: String) {
        let data = Data(body.readableBytesView)
        let problem = try? ConveyorJSON.decoder().decode(Problem.self, from: data)
        let excerpt = problem == nil && !data.isEmpty ? String(decoding: data.prefix(1024), as: UTF8.self) : nil
        self.init(status: status, problem: problem, bodyExcerpt: excerpt, request: "\(method) \(url)")
    }

    public var description: String {
        guard let problem else {
            return "\(request) responded \(status)" + (bodyExcerpt.map { ": \($0)" } ?? "")
        }
        var text = "\(problem.title) (\(status)): \(problem.detail)"
        for error in problem.errors ?? [] {
            text += "\n  \(error.field): \(error.message)"
        }
        return text
    }
}
