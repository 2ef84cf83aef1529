import Foundation

/// The one rule for the NUL character (U+0000) in what clients write: refused, naming
/// the field. PostgreSQL stores neither a NUL in `text` nor `\u0000` in `jsonb`, while
/// SQLite would keep it; refusing it at the Core boundary, before any store sees it,
/// makes both stores answer the same `422` instead of one of them a `500`.
///
/// Every write path of ``Conveyor`` (enqueue, job actions, workflows, events, triggers,
/// schedules, webhooks, inbound sources, topic schemas, tenants and keys) runs its input
/// through ``check(_:under:)``, which visits every string and object key of any
/// `Encodable` without producing JSON, so no field can be forgotten.
public enum NULCharacters {
    public static let message = "must not contain the NUL character (\\u0000)"

    /// The fields of `value` holding a NUL in a string or an object key, named as on the
    /// wire (`payload.items[2].title`), under `prefix` when given. Empty when clean.
    public static func failures(in value: some Encodable, under prefix: String? = nil) -> [ValidationFailure] {
        let scanner = Scanner()
        do {
            try value.encode(to: NULScanningEncoder(scanner: scanner, codingPath: []))
        } catch {
            // Encoding a request cannot fail for a scan that writes nothing; if a type's
            // own encode throws anyway, its fields are checked where it is validated.
            return []
        }
        return scanner.paths.map { path in
            let field = [prefix, path.isEmpty ? nil : path].compactMap { $0 }.joined(separator: ".")
            return ValidationFailure(field.isEmpty ? "body" : field, message)
        }
    }

    /// Throws a validation error naming every field of `value` that holds a NUL.
    public static func check(_ value: some Encodable, under prefix: String? = nil) throws(ConveyorError) {
        let found = failures(in: value, under: prefix)
        guard found.isEmpty else { throw .invalid(found) }
    }

    /// True when `text` holds a NUL.
    @inlinable
    public static func contains(_ text: String) -> Bool {
        text.utf8.contains(0)
    }

    /// Collects the paths found; at most ``limit``, so a huge hostile body costs a bounded answer.
    final class Scanner {
        static let limit = 20
        var paths: [String] = []

        /// The path is built only for a hit: a clean request allocates nothing here.
        func visit(_ text: String, at path: @autoclosure () -> [any CodingKey]) {
            guard paths.count < Self.limit, NULCharacters.contains(text) else { return }
            paths.append(Self.describe(path()))
        }

        /// `payload.items[2].title`; a NUL inside a key is shown as `\u0000`, so the field
        /// named in the answer is readable.
        static func describe(_ path: [any CodingKey]) -> String {
            var out = ""
            for key in path {
                if let index = key.intValue {
                    out += "[\(index)]"
                } else {
                    let name = key.stringValue.replacingOccurrences(of: "\u{0}", with: "\\u0000")
                    out += out.isEmpty ? name : "." + name
                }
            }
            return out
        }
    }
}

/// An `Encoder` that writes nothing: it hands every string and key to the scanner.
private struct NULScanningEncoder: Encoder {
    let scanner: NULCharacters.Scanner
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedScan<Key>(scanner: scanner, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedScan(scanner: scanner, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleScan(scanner: scanner, codingPath: codingPath)
    }
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct KeyedScan<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let scanner: NULCharacters.Scanner
    let codingPath: [any CodingKey]

    /// A key is data too when it is an object's key (JSONValue's objects, dictionaries).
    private func visitKey(_ key: Key) {
        scanner.visit(key.stringValue, at: codingPath + [key])
    }

    private func path(_ key: Key) -> [any CodingKey] {
        visitKey(key)
        return codingPath + [key]
    }

    mutating func encodeNil(forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: String, forKey key: Key) throws {
        visitKey(key)
        scanner.visit(value, at: codingPath + [key])
    }
    mutating func encode(_ value: Double, forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { visitKey(key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { visitKey(key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try value.encode(to: NULScanningEncoder(scanner: scanner, codingPath: path(key)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedScan<NestedKey>(scanner: scanner, codingPath: path(key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        UnkeyedScan(scanner: scanner, codingPath: path(key))
    }

    mutating func superEncoder() -> any Encoder { NULScanningEncoder(scanner: scanner, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { NULScanningEncoder(scanner: scanner, codingPath: path(key)) }
}

private struct UnkeyedScan: UnkeyedEncodingContainer {
    let scanner: NULCharacters.Scanner
    let codingPath: [any CodingKey]
    var count = 0

    init(scanner: NULCharacters.Scanner, codingPath: [any CodingKey]) {
        self.scanner = scanner
        self.codingPath = codingPath
    }

    private mutating func next() -> [any CodingKey] {
        defer { count += 1 }
        return codingPath + [IndexKey(count)]
    }

    private mutating func visit(_ value: String) {
        let index = count
        count += 1
        scanner.visit(value, at: codingPath + [IndexKey(index)])
    }

    mutating func encodeNil() throws { count += 1 }
    mutating func encode(_ value: Bool) throws { count += 1 }
    mutating func encode(_ value: String) throws { visit(value) }
    mutating func encode(_ value: Double) throws { count += 1 }
    mutating func encode(_ value: Float) throws { count += 1 }
    mutating func encode(_ value: Int) throws { count += 1 }
    mutating func encode(_ value: Int8) throws { count += 1 }
    mutating func encode(_ value: Int16) throws { count += 1 }
    mutating func encode(_ value: Int32) throws { count += 1 }
    mutating func encode(_ value: Int64) throws { count += 1 }
    mutating func encode(_ value: UInt) throws { count += 1 }
    mutating func encode(_ value: UInt8) throws { count += 1 }
    mutating func encode(_ value: UInt16) throws { count += 1 }
    mutating func encode(_ value: UInt32) throws { count += 1 }
    mutating func encode(_ value: UInt64) throws { count += 1 }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try value.encode(to: NULScanningEncoder(scanner: scanner, codingPath: next()))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedScan<NestedKey>(scanner: scanner, codingPath: next()))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedScan(scanner: scanner, codingPath: next())
    }

    mutating func superEncoder() -> any Encoder { NULScanningEncoder(scanner: scanner, codingPath: next()) }
}

private struct SingleScan: SingleValueEncodingContainer {
    let scanner: NULCharacters.Scanner
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws {}
    mutating func encode(_ value: Bool) throws {}
    mutating func encode(_ value: String) throws { scanner.visit(value, at: codingPath) }
    mutating func encode(_ value: Double) throws {}
    mutating func encode(_ value: Float) throws {}
    mutating func encode(_ value: Int) throws {}
    mutating func encode(_ value: Int8) throws {}
    mutating func encode(_ value: Int16) throws {}
    mutating func encode(_ value: Int32) throws {}
    mutating func encode(_ value: Int64) throws {}
    mutating func encode(_ value: UInt) throws {}
    mutating func encode(_ value: UInt8) throws {}
    mutating func encode(_ value: UInt16) throws {}
    mutating func encode(_ value: UInt32) throws {}
    mutating func encode(_ value: UInt64) throws {}
    mutating func encode<T: Encodable>(_ value: T) throws {
        try value.encode(to: NULScanningEncoder(scanner: scanner, codingPath: codingPath))
    }
}
