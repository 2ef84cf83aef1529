/// The address ranges an outbound request (an `http` job, a webhook) refuses by default:
/// everything that is not a public unicast address, so a tenant cannot reach the
/// server's own host, its cloud's metadata service or its private network.
extension IPAddress {
    /// Why this address is refused, e.g. `loopback`; nil for a public unicast address.
    public var refusedRange: String? {
        isIPv4 ? Self.refusedV4(bytes) : Self.refusedV6(self)
    }

    /// Whether this is a loopback address, IPv4-mapped or not (dev mode allows these).
    public var isLoopback: Bool {
        if let v4 = embeddedV4 { return v4.isLoopback }
        if isIPv4 { return bytes[0] == 127 }
        return bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
    }

    private static func refusedV4(_ b: [UInt8]) -> String? {
        switch (b[0], b[1], b[2]) {
        case (0, _, _): return b == [0, 0, 0, 0] ? "unspecified" : "this network (0.0.0.0/8)"
        case (10, _, _): return "private (10.0.0.0/8)"
        case (100, 64...127, _): return "shared address space (CGNAT, 100.64.0.0/10)"
        case (127, _, _): return "loopback"
        case (169, 254, _): return "link-local (169.254.0.0/16, cloud metadata)"
        case (172, 16...31, _): return "private (172.16.0.0/12)"
        case (192, 0, 0): return "IETF protocol assignments (192.0.0.0/24)"
        case (192, 0, 2), (198, 51, 100), (203, 0, 113): return "documentation"
        case (192, 88, 99): return "6to4 relay anycast (192.88.99.0/24)"
        case (192, 168, _): return "private (192.168.0.0/16)"
        case (198, 18...19, _): return "benchmarking (198.18.0.0/15)"
        case (224...239, _, _): return "multicast"
        case (240...255, _, _): return b == [255, 255, 255, 255] ? "broadcast" : "reserved (240.0.0.0/4)"
        default: return nil
        }
    }

    private static func refusedV6(_ address: IPAddress) -> String? {
        let b = address.bytes
        if b.allSatisfy({ $0 == 0 }) { return "unspecified" }
        if address.isLoopback { return "loopback" }
        // Forms that carry an IPv4 address are refused whole: a client may connect to the
        // IPv4 address inside, and nobody needs these spellings for a public target.
        if let v4 = address.embeddedV4 {
            let kind = b[10] == 0xFF ? "IPv4-mapped" : "IPv4-compatible"
            return "\(kind) IPv6 (\(v4)\(v4.refusedRange.map { ", \($0)" } ?? ""))"
        }
        if b[0..<4] == [0x00, 0x64, 0xFF, 0x9B] && b[4..<12].allSatisfy({ $0 == 0 }) { return "NAT64 (64:ff9b::/96)" }
        if b[0..<6] == [0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01] { return "local-use NAT64 (64:ff9b:1::/48)" }
        if b[0..<8] == [0x01, 0x00, 0, 0, 0, 0, 0, 0] { return "discard-only (100::/64)" }
        if b[0] == 0x20 && b[1] == 0x02, let inner = refusedV4(Array(b[2..<6])) { return "6to4 of \(inner)" }
        if b[0..<4] == [0x20, 0x01, 0x00, 0x00] {
            // Teredo: the server's IPv4 in bytes 4–7, the client's (inverted) in 12–15.
            let server = Array(b[4..<8])
            let client = b[12..<16].map { $0 ^ 0xFF }
            if let inner = refusedV4(server) ?? refusedV4(client) { return "Teredo of \(inner)" }
        }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8 { return "documentation (2001:db8::/32)" }
        if b[0] & 0xFE == 0xFC { return "unique local (fc00::/7)" }
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return "link-local (fe80::/10)" }
        if b[0] == 0xFE && b[1] & 0xC0 == 0xC0 { return "site-local (fec0::/10)" }
        if b[0] == 0xFF { return "multicast" }
        return nil
    }
}
