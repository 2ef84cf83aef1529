/// An address range written `network/prefix` (`10.0.0.0/8`, `fd00::/8`), as operators
/// write allow-list entries.
public struct CIDR: Sendable, Hashable {
    public var network: IPAddress
    public var prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let prefix = Int(parts[1]),
            prefix >= 0, prefix <= address.bytes.count * 8
        else { return nil }
        network = address
        self.prefix = prefix
    }

    /// Whether `address` is in the range. An IPv4-mapped address matches an IPv4 range.
    public func contains(_ address: IPAddress) -> Bool {
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
