import AsyncHTTPClient
import ConveyorCore

/// HTTP clients that connect a host name to one checked address.
///
/// AsyncHTTPClient resolves names itself when it connects, so a name checked a moment
/// earlier could re-resolve to another address (DNS rebinding). Its `dnsOverride` maps a
/// name to an address, but only per client, so there is one client per (name, address)
/// in use, each with its own connection pool. Idle ones beyond ``capacity`` are shut down.
/// Requests to a literal address share one unpinned client. Every client is made on first
/// use, so an `OutboundHTTPClient` that never sent anything needs no shutdown.
actor PinnedClients {
    private struct Key: Hashable {
        var host: String
        var address: IPAddress
    }

    private struct Entry {
        var client: HTTPClient
        var inUse: Int
        var lastUsed: UInt64
    }

    private let configuration: HTTPClient.Configuration
    private let capacity: Int
    private var entries: [Key: Entry] = [:]
    private var unpinned: HTTPClient?
    private var tick: UInt64 = 0
    private var closed = false

    init(configuration: HTTPClient.Configuration, capacity: Int = 256) {
        self.configuration = configuration
        self.capacity = capacity
    }

    /// A client whose connections to `host` go to `address`; give it back with
    /// ``checkIn(host:address:)`` when the response has been read.
    func checkOut(host: String, address: IPAddress) throws -> HTTPClient {
        guard !closed else { throw HTTPClientError.alreadyShutdown }
        tick += 1
        let key = Key(host: host, address: address)
        if var entry = entries[key] {
            entry.inUse += 1
            entry.lastUsed = tick
            entries[key] = entry
            return entry.client
        }
        var configuration = configuration
        configuration.dnsOverride = [host: address.description]
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        entries[key] = Entry(client: client, inUse: 1, lastUsed: tick)
        evictIdle()
        return client
    }

    /// The client for literal addresses, which it connects to without resolving anything.
    func direct() throws -> HTTPClient {
        guard !closed else { throw HTTPClientError.alreadyShutdown }
        if let unpinned { return unpinned }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        unpinned = client
        return client
    }

    func checkIn(host: String, address: IPAddress) {
        entries[Key(host: host, address: address)]?.inUse -= 1
    }

    /// Shuts every client down; later check-outs throw.
    func shutdown() async {
        closed = true
        let clients = entries.values.map(\.client) + (unpinned.map { [$0] } ?? [])
        entries = [:]
        unpinned = nil
        for client in clients { try? await client.shutdown() }
    }

    private func evictIdle() {
        guard entries.count > capacity else { return }
        let idle = entries.filter { $0.value.inUse == 0 }.sorted { $0.value.lastUsed < $1.value.lastUsed }
        for (key, entry) in idle.prefix(entries.count - capacity) {
            entries[key] = nil
            let client = entry.client
            Task { try? await client.shutdown() }
        }
    }
}
