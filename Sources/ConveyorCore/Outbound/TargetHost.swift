/// The host of an outbound URL, normalised before it is judged: an address, however it
/// was spelled, or a lower-case DNS name without its trailing dot.
public enum TargetHost: Sendable, Hashable, CustomStringConvertible {
    case address(IPAddress)
    case name(String)

    /// Parses the host part of a URL (brackets allowed around IPv6). Throws a message that
    /// says what is wrong with it.
    ///
    /// Any host whose last label is numeric is an IPv4 address and must parse as one, as
    /// in the WHATWG URL standard: `127.1`, `2130706433` and `0x7f.1` are loopback, and
    /// `1.2.3.999` is refused rather than sent to a resolver that may read it otherwise.
    public init(_ raw: String) throws(TargetHostError) {
        var host = raw.lowercased()
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { throw TargetHostError("has an unclosed '['") }
            let inner = String(host.dropFirst().dropLast())
            guard !inner.contains("%") else { throw TargetHostError("must not carry an IPv6 zone (%…)") }
            guard let address = IPAddress(inner), !address.isIPv4 else { throw TargetHostError("'\(raw)' is not an IPv6 address") }
            self = .address(address)
            return
        }
        if host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty, host.utf8.count <= 253 else { throw TargetHostError("must be a host name or an IP address") }
        if host.contains(":") {
            guard let address = IPAddress(host), !address.isIPv4 else { throw TargetHostError("'\(raw)' is not an IPv6 address") }
            self = .address(address)
            return
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard host.utf8.allSatisfy(Self.isNameByte), labels.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 }) else {
            throw TargetHostError("'\(raw)' is not a valid host name (letters, digits, '-' and '.', or an IP address)")
        }
        if let last = labels.last, Self.isNumeric(last) {
            guard let address = IPAddress(lenientIPv4: host) else { throw TargetHostError("'\(raw)' is not a valid IPv4 address") }
            self = .address(address)
            return
        }
        self = .name(host)
    }

    /// Names that always mean this machine (RFC 6761), whatever DNS says.
    public var isLocalhostName: Bool {
        guard case .name(let name) = self else { return false }
        return name == "localhost" || name.hasSuffix(".localhost")
    }

    public var description: String {
        switch self {
        case .address(let address): address.isIPv4 ? address.description : "[\(address)]"
        case .name(let name): name
        }
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"):
            return true
        default: return false
        }
    }

    /// A label a URL parser reads as a number: decimal digits, or `0x` and hex digits.
    private static func isNumeric(_ label: Substring) -> Bool {
        if label.hasPrefix("0x") { return label.dropFirst(2).allSatisfy(\.isHexDigit) }
        return label.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// Why a URL's host cannot be a target.
public struct TargetHostError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
