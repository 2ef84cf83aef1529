import Hummingbird

/// Reads the bearer credential of a request from its `Authorization` header(s).
///
/// Strict on purpose: one header, scheme `Bearer` (any case), one or more spaces, then a
/// token68 (RFC 7235). Anything else is refused rather than guessed at. The parser only
/// looks at bytes and never fails by trapping, which the fuzz test checks.
enum AuthorizationHeader {
    /// Tokens longer than this are refused unread: real JWTs are a few kilobytes.
    static let maxLength = 16 * 1024

    enum Parsed: Equatable {
        case missing
        case malformed(String)
        case bearer(String)
    }

    static func parse(_ request: Request) -> Parsed {
        parse(request.headers[values: .authorization])
    }

    static func parse(_ values: [String]) -> Parsed {
        guard let value = values.first else { return .missing }
        guard values.count == 1 else {
            return .malformed("The request has \(values.count) Authorization headers; send exactly one.")
        }
        return parse(value)
    }

    static func parse(_ value: String) -> Parsed {
        let bytes = Array(value.utf8)
        guard bytes.count <= maxLength else {
            return .malformed("The Authorization header is longer than \(maxLength) bytes.")
        }
        let scheme = Array("bearer".utf8)
        guard bytes.count > scheme.count, zip(bytes, scheme).allSatisfy({ lowercased($0) == $1 }) else {
            return .malformed("Use the Bearer scheme: `Authorization: Bearer <API key or JWT>`.")
        }
        var index = scheme.count
        guard bytes[index] == 0x20 else {
            return .malformed("Use the Bearer scheme: `Authorization: Bearer <API key or JWT>`.")
        }
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
        let token = bytes[index...]
        guard !token.isEmpty else { return .malformed("The Bearer credential is empty.") }
        guard isToken68(token) else {
            return .malformed("The Bearer credential has characters a token cannot contain.")
        }
        return .bearer(String(decoding: token, as: UTF8.self))
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte + 0x20 : byte
    }

    /// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    private static func isToken68(_ token: ArraySlice<UInt8>) -> Bool {
        var sawPadding = false
        for byte in token {
            if byte == 0x3D {
                sawPadding = true
                continue
            }
            if sawPadding { return false }
            let ok =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E || byte == 0x2B || byte == 0x2F
            if !ok { return false }
        }
        return token.first != 0x3D
    }
}
