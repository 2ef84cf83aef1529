import AsyncHTTPClient
import Foundation
import NIOCore

/// One item of a `text/event-stream` as a test reads it.
enum SSEItem: Sendable, Equatable {
    case message(id: Int64, event: String, data: String)
    case comment(String)

    var id: Int64? {
        if case .message(let id, _, _) = self { return id }
        return nil
    }
}

/// A real HTTP connection to `GET /v1/events/stream`, parsed as it arrives.
struct SSEConnection: Sendable {
    let status: Int
    let contentType: String?
    let items: AsyncThrowingStream<SSEItem, any Error>
    let task: Task<Void, Never>

    /// Opens the stream. With a `gate`, the body is not read until the gate yields: the
    /// client stalls as a slow consumer does, and afterwards `items` shows what it got and
    /// how the connection ended.
    static func open(port: Int, path: String, lastEventID: Int64? = nil, gate: AsyncStream<Void>? = nil) async throws -> SSEConnection {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: String(lastEventID)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        let (items, continuation) = AsyncThrowingStream.makeStream(of: SSEItem.self)
        let body = response.body
        let task = Task {
            if let gate { for await _ in gate { break } }
            do {
                var pending = ""
                for try await buffer in body {
                    pending += String(buffer: buffer)
                    while let range = pending.range(of: "\n\n") {
                        let block = String(pending[..<range.lowerBound])
                        pending = String(pending[range.upperBound...])
                        if let item = parse(block) { continuation.yield(item) }
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return SSEConnection(
            status: Int(response.status.code), contentType: response.headers.first(name: "content-type"), items: items,
            task: task)
    }

    private static func parse(_ block: String) -> SSEItem? {
        var id: Int64?
        var event: String?
        var data: String?
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") { return .comment(line.dropFirst().trimmingCharacters(in: .whitespaces)) }
            if line.hasPrefix("id: ") { id = Int64(line.dropFirst(4)) }
            if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
        }
        guard let id, let event, let data else { return nil }
        return .message(id: id, event: event, data: data)
    }
}

extension AsyncThrowingStream where Element == SSEItem {
    /// The next `count` messages, skipping comments; fails after `timeout`.
    func messages(_ count: Int, timeout: Duration = .seconds(30)) async throws -> [SSEItem] {
        try await withThrowingTaskGroup(of: [SSEItem].self) { group in
            group.addTask {
                var found: [SSEItem] = []
                for try await item in self where item.id != nil {
                    found.append(item)
                    if found.count == count { break }
                }
                return found
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SSETimeout(what: "\(count) messages")
            }
            defer { group.cancelAll() }
            return try await group.next() ?? []
        }
    }

    /// Waits for a comment with this text.
    func comment(_ text: String, timeout: Duration = .seconds(30)) async throws {
        _ = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for try await item in self where item == .comment(text) { return true }
                return false
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SSETimeout(what: "comment '\(text)'")
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
    }
}

struct SSETimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}
