import ConveyorCore
import Crypto
import Foundation

/// The secret text of an API key: `cvk_` and 43 base64url characters (256 random bits).
///
/// Only ``hash`` is ever stored. The text is shown once, when the key is made, and is
/// never logged; ``description`` prints the prefix alone, so interpolating a secret
/// into a log line by mistake leaks nothing usable.
public struct APIKeySecret: Sendable, CustomStringConvertible {
    public static let marker = "cvk_"
    /// Characters of the random part shown in listings, after the marker.
    static let prefixLength = 8
    /// 32 bytes in unpadded base64url.
    static let randomLength = 43

    /// The whole key, `cvk_...`.
    public let text: String

    /// A new key from the system's cryptographic random source.
    public init() {
        let random = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        text = Self.marker + Self.base64URL(random)
    }

    /// Accepts text shaped like a key (it need not exist); nil for anything else, so
    /// garbage is refused before it costs a hash or a database read.
    public init?(_ text: some StringProtocol) {
        guard text.hasPrefix(Self.marker), text.utf8.count == Self.marker.utf8.count + Self.randomLength,
            text.utf8.dropFirst(Self.marker.utf8.count).allSatisfy(Self.isBase64URL)
        else { return nil }
        self.text = String(text)
    }

    /// What listings show: `cvk_` and the first 8 random characters.
    public var prefix: String { String(text.prefix(Self.marker.count + Self.prefixLength)) }

    /// Lowercase hex SHA-256 of the key text: what the store keeps and looks keys up by.
    public var hash: String { Self.hex(SHA256.hash(data: Data(text.utf8))) }

    public var description: String { "\(prefix)…" }

    /// Compares two hashes in time that depends only on their length, so a timing
    /// side channel cannot reveal how much of a guess was right.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    /// A stored key for this secret, ready to insert.
    public func hashedKey(
        id: String = JobID.make(), name: String, tenant: String, scopes: [Scope], createdAt: Date, expiresAt: Date? = nil
    ) -> HashedAPIKey {
        HashedAPIKey(
            key: APIKey(
                id: id, name: name, tenant: tenant, scopes: scopes, prefix: prefix, createdAt: createdAt,
                expiresAt: expiresAt),
            hash: hash)
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x2D || byte == 0x5F
    }

    static func base64URL(_ data: Data) -> String {
        data.base64URLEncodedString()
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
