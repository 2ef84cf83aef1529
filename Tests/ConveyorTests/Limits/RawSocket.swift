import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bare TCP connection to 127.0.0.1, for clients no HTTP library would imitate: ones
/// that send half a request and stall.
final class RawSocket: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws {
        #if canImport(Glibc)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED)
        }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { buffer in
            #if canImport(Glibc)
            Glibc.send(fd, buffer.baseAddress, buffer.count - 1, Int32(MSG_NOSIGNAL))
            #else
            Darwin.send(fd, buffer.baseAddress, buffer.count - 1, 0)
            #endif
        }
    }

    /// Whether the server has closed the connection, waiting at most `timeout` for it.
    /// Data the server sends first (an error response) is read past. It polls without
    /// blocking and sleeps between polls: a blocked thread of the cooperative pool could
    /// be one the server under test needs.
    func waitForClose(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) >= 0 else { return false }
            if descriptor.revents != 0 {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { return true }
            } else {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        return false
    }

    /// Sends a whole request and reads the response until the server closes, with a
    /// hang guard.
    func request(_ text: String, timeout: Duration = .seconds(30)) async -> String {
        send(text)
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) >= 0 else { break }
            if descriptor.revents != 0 {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                response += buffer[0..<n]
                if String(decoding: response, as: UTF8.self).contains("\r\n\r\n") { break }
            } else {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        return String(decoding: response, as: UTF8.self)
    }
}
