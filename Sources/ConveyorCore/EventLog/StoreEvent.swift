import Foundation

/// An event a rule in Core decided to append, with every field filled in. A store
/// appends exactly these values in the transaction that writes the change the event tells
/// of, so both stores log the same type, key and bytes for the same decision.
public struct StoreEvent: Sendable, Hashable {
    public var type: String
    public var topic: String
    public var key: String
    public var tenant: String
    /// The event's `data`, as encoded JSON text.
    public var data: String

    /// An event whose topic is its type, as for every event Conveyor appends itself.
    public init(type: String, key: String, tenant: String, data: String) {
        self.type = type
        self.topic = type
        self.key = key
        self.tenant = tenant
        self.data = data
    }

    /// An event whose `data` is `value` encoded as every Conveyor document is.
    public init(type: String, key: String, tenant: String, encoding value: some Encodable) throws {
        self.init(type: type, key: key, tenant: tenant, data: String(decoding: try ConveyorJSON.encode(value), as: UTF8.self))
    }
}
