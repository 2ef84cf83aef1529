#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses a strict dotted-quad IPv4 address or an IPv6 address (without brackets).
    public init?(_ text: String) {
        if let v4 = Self.strictIPv4(text) {
            self = v4
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        bytes = withUnsafeBytes(of: v6) { Array($0) }
    }

    /// Parses IPv4 the way `inet_aton` and browsers do, so that every spelling a resolver
    /// or an HTTP client would accept is judged by the address it means: one to four
    /// parts, each decimal, octal (a leading `0`) or hex (`0x`), the last part filling the
    /// remaining bytes. `127.1`, `2130706433`, `0177.0.0.1` and `0x7f.0.0.1` are all
    /// 127.0.0.1. Nil when `text` is not such a spelling.
    public init?(lenientIPv4 text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for part in parts {
            guard let value = Self.number(part) else { return nil }
            values.append(value)
        }
        let last = values.removeLast()
        guard values.allSatisfy({ $0 <= 255 }) else { return nil }
        let remaining = 4 - values.count
        guard last < (UInt64(1) << (8 * UInt64(remaining))) else { return nil }
        var bytes = values.map { UInt8($0) }
        for shift in stride(from: remaining - 1, through: 0, by: -1) {
            bytes.append(UInt8((last >> (8 * UInt64(shift))) & 0xFF))
        }
        self.bytes = bytes
    }

    /// One part of a lenient IPv4 spelling: decimal, `0`-prefixed octal or `0x` hex.
    private static func number(_ part: Substring) -> UInt64? {
        guard !part.isEmpty, part.utf8.count <= 40 else { return nil }
        let lower = part.lowercased()
        if lower.hasPrefix("0x") {
            let digits = lower.dropFirst(2)
            return digits.isEmpty ? 0 : UInt64(digits, radix: 16)
        }
        if lower.count > 1, lower.hasPrefix("0") { return UInt64(lower.dropFirst(), radix: 8) }
        return UInt64(lower, radix: 10)
    }

    private static func strictIPv4(_ text: String) -> IPAddress? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                part.count == 1 || part.first != "0", let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return IPAddress(bytes: bytes)
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address an IPv4-mapped (`::ffff:a.b.c.d`) or IPv4-compatible (`::a.b.c.d`)
    /// IPv6 address carries; nil for any other address (`::` and `::1` included).
    public var embeddedV4: IPAddress? {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }) else { return nil }
        if bytes[10] == 0xFF && bytes[11] == 0xFF { return IPAddress(bytes: Array(bytes[12..<16])) }
        if bytes[10] == 0 && bytes[11] == 0 && bytes[12..<15].contains(where: { $0 != 0 }) {
            return IPAddress(bytes: Array(bytes[12..<16]))
        }
        return nil
    }

    /// The address as `getaddrinfo` and URLs write it: dotted quad, or IPv6 groups in hex.
    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(String(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]), radix: 16)) }
        return groups.joined(separator: ":")
    }
}
