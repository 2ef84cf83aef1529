import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which webhook targets may be called: never loopback, link-local, private, CGNAT,
/// unspecified or multicast addresses (IPv4 and IPv6, IPv4-mapped included), unless the
/// allow-list names the host or a CIDR holding the address. See docs/webhooks.md.
public struct WebhookTargetPolicy: Sendable, Hashable {
    /// Host names (exact, case-insensitive) and CIDRs (`10.0.0.0/8`, `::1/128`) allowed
    /// even though they are private.
    public var allowHosts: [String]

    public init(allowHosts: [String] = []) {
        self.allowHosts = allowHosts
    }

    /// Parses `CONVEYOR_WEBHOOK_ALLOW_HOSTS`-style text: comma or space separated.
    public init(allowList text: String) {
        allowHosts = text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
    }

    /// Why the URL may not be a target, or nil when it may. Checks the scheme and the host
    /// syntactically; a host name is then resolved and every address checked. A name
    /// that does not resolve is allowed here (checked again at delivery).
    public func refusal(url text: String) async -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty
        else { return "must be an absolute http or https URL" }
        guard url.user == nil, url.password == nil else { return "must not carry credentials" }
        return refusal(host: host, resolved: await Self.resolveOffThread(host))
    }

    /// ``resolve(_:)`` on a thread of its own: getaddrinfo blocks, and a slow DNS server
    /// must not hold one of the cooperative pool's few threads.
    public static func resolveOffThread(_ host: String) async -> [IPAddress] {
        if let literal = IPAddress(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))) { return [literal] }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: resolve(host)) }
        }
    }

    /// Why `host`, which resolved to `addresses`, may not be called; nil when it may.
    public func refusal(host rawHost: String, resolved addresses: [IPAddress]) -> String? {
        let host = rawHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if allowHosts.contains(where: { $0.lowercased() == host }) { return nil }
        let literal = IPAddress(host).map { [$0] }
        for address in literal ?? addresses {
            if let reason = address.forbiddenRange, !allowed(address) {
                return "resolves to \(address) (\(reason)); such targets are refused unless allowed by --webhook-allow-host"
            }
        }
        return nil
    }

    private func allowed(_ address: IPAddress) -> Bool {
        allowHosts.contains { entry in
            if let cidr = CIDR(entry) { return cidr.contains(address) }
            return IPAddress(entry) == address
        }
    }

    /// The host's addresses (A and AAAA). Empty when it does not resolve.
    public static func resolve(_ rawHost: String) -> [IPAddress] {
        let host = rawHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if let literal = IPAddress(host) { return [literal] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let sa = info.pointee.ai_addr {
                if info.pointee.ai_family == AF_INET {
                    let v4 = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    addresses.append(IPAddress(bytes: withUnsafeBytes(of: v4) { Array($0) }))
                } else if info.pointee.ai_family == AF_INET6 {
                    let v6 = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    addresses.append(IPAddress(bytes: withUnsafeBytes(of: v6) { Array($0) }))
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: v6) { Array($0) }
            return
        }
        return nil
    }

    /// The IPv4 address an IPv4-mapped (`::ffff:a.b.c.d`) or IPv4-compatible IPv6 address carries.
    var embeddedV4: IPAddress? {
        guard bytes.count == 16 else { return nil }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return IPAddress(bytes: Array(bytes[12..<16]))
        }
        return nil
    }

    /// The kind of address webhooks refuse, or nil for a public one.
    public var forbiddenRange: String? {
        if let v4 = embeddedV4 { return v4.forbiddenRange.map { "IPv4-mapped \($0)" } }
        let b = bytes
        if b.count == 4 {
            switch (b[0], b[1]) {
            case (0, _): return "unspecified"
            case (127, _): return "loopback"
            case (10, _): return "private"
            case (172, 16...31): return "private"
            case (192, 168): return "private"
            case (169, 254): return "link-local"
            case (100, 64...127): return "shared address space (CGNAT)"
            case (224...255, _): return "multicast or reserved"
            default: return nil
            }
        }
        if b.allSatisfy({ $0 == 0 }) { return "unspecified" }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return "loopback" }
        if b[0] & 0xFE == 0xFC { return "unique local (fc00::/7)" }
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return "link-local" }
        if b[0] == 0xFF { return "multicast" }
        // NAT64 and 6to4 wrap an IPv4 address; refuse the private ones inside.
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B {
            return IPAddress(bytes: Array(b[12..<16])).forbiddenRange.map { "NAT64 \($0)" }
        }
        if b[0] == 0x20 && b[1] == 0x02 {
            return IPAddress(bytes: Array(b[2..<6])).forbiddenRange.map { "6to4 \($0)" }
        }
        return nil
    }

    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(String(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]), radix: 16)) }
        return groups.joined(separator: ":")
    }
}

struct CIDR: Sendable, Hashable {
    var network: IPAddress
    var prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let prefix = Int(parts[1]),
            prefix >= 0, prefix <= address.bytes.count * 8
        else { return nil }
        network = address
        self.prefix = prefix
    }

    func contains(_ address: IPAddress) -> Bool {
        let candidate = address.bytes.count == network.bytes.count ? address : (address.embeddedV4 ?? address)
        guard candidate.bytes.count == network.bytes.count else { return false }
        var remaining = prefix
        for (a, b) in zip(candidate.bytes, network.bytes) {
            if remaining <= 0 { return true }
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }
}
