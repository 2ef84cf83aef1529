import Foundation

/// Which addresses outbound requests (`http` jobs and webhooks) may reach. One policy,
/// applied twice: to the URL when a job or endpoint is accepted (a 422 naming the URL),
/// and to the addresses its host resolves to right before each connection, which is then
/// made to one of those checked addresses only (ConveyorHTTPJob's `OutboundHTTPClient`).
///
/// Refused unless allowed: every address that is not public unicast (see
/// ``IPAddress/refusedRange``), and the names `localhost` and `*.localhost`. Operators
/// allow what they need by name or CIDR (`--http-allow-host`, `--webhook-allow-host`);
/// dev mode allows loopback so the quick start can call a local receiver.
public struct OutboundTargetPolicy: Sendable, Hashable {
    /// Host names (exact, case-insensitive) and CIDRs (`10.0.0.0/8`, `::1/128`) or single
    /// addresses allowed even though they are refused by default.
    public var allowHosts: [String]
    /// Allows loopback addresses and `localhost` (dev mode).
    public var allowLoopback: Bool
    /// The option that allows a host, named in refusals so an operator knows what to set.
    public var allowOption: String

    public init(allowHosts: [String] = [], allowLoopback: Bool = false, allowOption: String = "--http-allow-host") {
        self.allowHosts = allowHosts
        self.allowLoopback = allowLoopback
        self.allowOption = allowOption
    }

    /// Parses `CONVEYOR_HTTP_ALLOW_HOSTS`-style text: comma or space separated.
    public static func allowList(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
    }

    /// The URL as a target, or why it cannot be one. Checks the scheme, credentials and
    /// host, and judges an address or `localhost` now; a DNS name is judged by its
    /// addresses right before each connection (``refusal(host:resolved:)``).
    public func target(url text: String) throws(TargetRefusal) -> OutboundTarget {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let rawHost = url.host, !rawHost.isEmpty
        else { throw TargetRefusal("must be an absolute http or https URL, e.g. https://example.com/hook") }
        guard url.user == nil, url.password == nil else { throw TargetRefusal("must not carry credentials (user:password@)") }
        let host: TargetHost
        do { host = try TargetHost(rawHost) } catch { throw TargetRefusal("host \(error.description)") }
        let target = OutboundTarget(url: url, scheme: scheme, rawHost: rawHost, host: host)
        if case .address(let address) = host, let reason = refusal(host: host, resolved: [address]) {
            throw TargetRefusal(reason)
        }
        if host.isLocalhostName && !allowLoopback && !allowsName(host) {
            throw TargetRefusal("is this machine (\(host), loopback); such targets are refused unless allowed with \(allowOption)")
        }
        return target
    }

    /// Why `url` may not be a target, or nil when it may (so far as can be told without DNS).
    public func refusal(url: String) -> String? {
        do {
            _ = try target(url: url)
            return nil
        } catch {
            return error.description
        }
    }

    /// Why `host`, whose addresses are `addresses`, may not be called; nil when it may.
    /// One refused address refuses the host: a client may pick any of them.
    public func refusal(host: TargetHost, resolved addresses: [IPAddress]) -> String? {
        if allowsName(host) { return nil }
        for address in addresses where !permits(address) {
            let range = address.refusedRange ?? "refused"
            let spelled = host == .address(address) ? "is \(address)" : "resolves to \(address)"
            return "\(spelled), \(range); such targets are refused unless allowed with \(allowOption)"
        }
        return nil
    }

    /// Whether a connection to `address` is allowed.
    public func permits(_ address: IPAddress) -> Bool {
        guard address.refusedRange != nil else { return true }
        if allowLoopback && address.isLoopback { return true }
        return allowHosts.contains { entry in
            if let cidr = CIDR(entry) { return cidr.contains(address) }
            guard let allowed = IPAddress(entry.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))) else { return false }
            return allowed == address || allowed == address.embeddedV4
        }
    }

    private func allowsName(_ host: TargetHost) -> Bool {
        guard case .name(let name) = host else { return false }
        return allowHosts.contains { entry in
            var entry = entry.lowercased()
            if entry.hasSuffix(".") { entry.removeLast() }
            return entry == name
        }
    }
}

/// A URL that passed ``OutboundTargetPolicy/target(url:)``.
public struct OutboundTarget: Sendable, Hashable {
    public var url: URL
    /// `http` or `https`.
    public var scheme: String
    /// The host as the URL spells it, which is how an HTTP client names the connection.
    public var rawHost: String
    public var host: TargetHost
}

/// Why a URL or address may not be called.
public struct TargetRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
