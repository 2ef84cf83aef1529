import AsyncHTTPClient
import NIOCore

/// Reads a response body without trusting the server: at most `limit` bytes, and no later
/// than the request's deadline.
public enum BoundedBody {
    /// What was read, and why reading stopped early, if it did.
    public struct Prefix: Sendable {
        public var bytes: ByteBuffer
        /// Nil when the body ended or the limit was reached.
        public var error: (any Error)?
    }

    /// The first `limit` bytes of `body`; the rest is never read. Stopping early drops the
    /// stream, which closes the connection instead of downloading the remainder.
    ///
    /// Never throws: the status line has already decided the outcome, so a body that
    /// breaks off (or stalls past the deadline) only shortens the excerpt.
    public static func read(_ body: HTTPClientResponse.Body, limit: Int, deadline: NIODeadline) async -> Prefix {
        // AsyncHTTPClient's deadline stops applying once the response head arrives, so a
        // server that sends headers and then stalls would otherwise hold the job forever.
        await withTaskGroup(of: Prefix?.self) { group in
            group.addTask { await prefix(of: body, limit: limit) }
            group.addTask {
                try? await Task.sleep(for: .nanoseconds(max(0, (deadline - .now()).nanoseconds)))
                return nil
            }
            var timedOut = false
            for await event in group {
                guard var prefix = event else {
                    // The deadline passed: stop the reader, which hands back what it has.
                    timedOut = true
                    group.cancelAll()
                    continue
                }
                group.cancelAll()
                if timedOut { prefix.error = HTTPClientError.deadlineExceeded }
                return prefix
            }
            preconditionFailure("the reader task always reports")
        }
    }

    private static func prefix(of body: HTTPClientResponse.Body, limit: Int) async -> Prefix {
        var collected = ByteBuffer()
        do {
            for try await chunk in body {
                let take = min(limit - collected.readableBytes, chunk.readableBytes)
                collected.writeImmutableBuffer(chunk.getSlice(at: chunk.readerIndex, length: take)!)
                if collected.readableBytes >= limit { break }
            }
            return Prefix(bytes: collected)
        } catch {
            return Prefix(bytes: collected, error: error)
        }
    }

    /// The first `limit` bytes as text. The cut moves back to a character boundary, so a
    /// multi-byte character is dropped whole rather than shown as a replacement character.
    public static func excerpt(_ buffer: ByteBuffer, limit: Int) -> String {
        let bytes = buffer.readableBytesView
        guard bytes.count > limit else { return String(decoding: bytes, as: UTF8.self) }
        var end = bytes.startIndex + limit
        // 0b10xxxxxx bytes continue a character; at most 3 follow its first byte.
        var steps = 0
        while end > bytes.startIndex, steps < 3, bytes[end] & 0xC0 == 0x80 {
            end -= 1
            steps += 1
        }
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }
}
