import ConveyorCore
import Crypto
import Foundation

/// Verifies an inbound webhook against its source: pure functions of the source, the
/// headers, the raw body bytes and the time. Nothing here reads or writes the store.
public enum InboundVerifier {
    /// Why a request was refused. Logged by the server; the caller sees one answer for all.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case missingHeader(String)
        case malformedTimestamp
        case staleTimestamp
        case badSignature
        case unusableSecret

        public var description: String {
            switch self {
            case .missingHeader(let name): "missing header \(name)"
            case .malformedTimestamp: "timestamp is not Unix seconds"
            case .staleTimestamp: "timestamp outside the tolerance"
            case .badSignature: "no signature matches"
            case .unusableSecret: "the source's secret cannot be used as a key"
            }
        }
    }

    /// Checks the request and returns its delivery id: `webhook-id` for Standard
    /// Webhooks; for `hmac-sha256` the id header's value or, without one, the body's
    /// digest (``bodyDigest(_:)``); for Stripe and Slack, which send no delivery id
    /// header, the body's digest.
    ///
    /// - Parameter header: Looks a header up by its lower-case name.
    public static func verify(
        _ source: InboundSource, header: (String) -> String?, body: [UInt8], now: Date
    ) -> Result<String, Failure> {
        guard let key = source.keyBytes else { return .failure(.unusableSecret) }
        switch source.scheme {
        case .standardWebhooks:
            guard let id = header("webhook-id"), !id.isEmpty else { return .failure(.missingHeader("webhook-id")) }
            guard let timestamp = header("webhook-timestamp") else { return .failure(.missingHeader("webhook-timestamp")) }
            guard let signatures = header("webhook-signature") else { return .failure(.missingHeader("webhook-signature")) }
            if let failure = checkTimestamp(timestamp, tolerance: source.toleranceSeconds, now: now) { return .failure(failure) }
            let expected = mac(key: key, message: Array("\(id).\(timestamp).".utf8) + body)
            // Space-separated `v1,<base64>` entries; any one that matches passes (a sender
            // rotating its secret signs with both).
            for entry in signatures.split(separator: " ") {
                let parts = entry.split(separator: ",", maxSplits: 1)
                guard parts.count == 2, parts[0] == "v1", let given = Data(base64Encoded: String(parts[1])) else { continue }
                if constantTimeEqual(Array(given), expected) { return .success(id) }
            }
            return .failure(.badSignature)
        case .hmacSHA256:
            let name = source.signatureHeader ?? ""
            guard var given = header(name)?.trimmingCharacters(in: .whitespaces) else { return .failure(.missingHeader(name)) }
            if let timestampHeader = source.timestampHeader {
                guard let timestamp = header(timestampHeader) else { return .failure(.missingHeader(timestampHeader)) }
                if let failure = checkTimestamp(timestamp, tolerance: source.toleranceSeconds, now: now) { return .failure(failure) }
            }
            if let prefix = source.prefix, !prefix.isEmpty {
                guard given.lowercased().hasPrefix(prefix.lowercased()) else { return .failure(.badSignature) }
                given = String(given.dropFirst(prefix.count))
            }
            let decoded: [UInt8]? =
                switch source.encoding ?? .hex {
                case .hex: hexDecode(given)
                case .base64: Data(base64Encoded: given).map(Array.init)
                }
            guard let decoded, constantTimeEqual(decoded, mac(key: key, message: body)) else { return .failure(.badSignature) }
            if let idHeader = source.idHeader, let id = header(idHeader), !id.isEmpty { return .success(id) }
            return .success(bodyDigest(body))
        case .stripe:
            // `t=1492774577,v1=5257…,v0=6ffb…`: one t, any number of v1 (a rolled secret
            // signs with both); v0 and unknown schemes are ignored.
            guard let value = header("stripe-signature") else { return .failure(.missingHeader("stripe-signature")) }
            var timestamp: String?
            var signatures: [String] = []
            for item in value.split(separator: ",") {
                let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                if pair[0] == "t" { timestamp = pair[1] } else if pair[0] == "v1" { signatures.append(pair[1]) }
            }
            guard let timestamp else { return .failure(.missingHeader("stripe-signature t=")) }
            if let failure = checkTimestamp(timestamp, tolerance: source.toleranceSeconds, now: now) { return .failure(failure) }
            let expected = mac(key: key, message: Array("\(timestamp).".utf8) + body)
            guard signatures.contains(where: { hexDecode($0).map { constantTimeEqual($0, expected) } ?? false }) else {
                return .failure(.badSignature)
            }
            return .success(bodyDigest(body))
        case .slack:
            guard let timestamp = header("x-slack-request-timestamp") else { return .failure(.missingHeader("x-slack-request-timestamp")) }
            guard let signature = header("x-slack-signature") else { return .failure(.missingHeader("x-slack-signature")) }
            if let failure = checkTimestamp(timestamp, tolerance: source.toleranceSeconds, now: now) { return .failure(failure) }
            let expected = mac(key: key, message: Array("v0:\(timestamp):".utf8) + body)
            guard signature.hasPrefix("v0="), let given = hexDecode(String(signature.dropFirst(3))), constantTimeEqual(given, expected)
            else { return .failure(.badSignature) }
            return .success(bodyDigest(body))
        }
    }

    /// `sha256:<hex of the raw body>`: a delivery id where the sender gives none, and the
    /// replay key of a scheme that does not sign its delivery id.
    public static func bodyDigest(_ body: [UInt8]) -> String {
        "sha256:" + hex(Array(SHA256.hash(data: body)))
    }

    static func checkTimestamp(_ text: String, tolerance: Int, now: Date) -> Failure? {
        guard let seconds = Int64(text.trimmingCharacters(in: .whitespaces)) else { return .malformedTimestamp }
        let skew = abs(now.timeIntervalSince1970 - Double(seconds))
        return skew > Double(tolerance) ? .staleTimestamp : nil
    }

    static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// Compares every byte whatever the first difference, so the time taken says nothing
    /// about how much of a forged signature was right. (The length of a MAC is public.)
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexDecode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = value(chars[index]), let low = value(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}

/// The event data of a verified delivery: `{"headers": {...}, "body": ...}`.
public enum InboundEventData {
    /// Headers never copied into the event: credentials, signatures, and transport
    /// headers that say nothing about the delivery.
    static let dropped: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "webhook-signature", "host", "content-length", "connection",
        "transfer-encoding", "keep-alive", "te", "upgrade", "expect", "accept-encoding", "x-api-key",
    ]

    /// `headers`: every header but the dropped ones and the source's signature header,
    /// names lower-cased, repeats joined with `, `. `body`: the parsed JSON when the body
    /// is JSON, else its text; a body that is not UTF-8 is `body_base64` instead.
    public static func make(source: InboundSource, headers: [(name: String, value: String)], body: [UInt8]) -> JSONValue {
        var selected: [String: String] = [:]
        var skip = dropped
        if let signatureHeader = source.signatureHeader { skip.insert(signatureHeader) }
        for (name, value) in headers {
            let name = name.lowercased()
            guard !skip.contains(name) else { continue }
            selected[name] = selected[name].map { "\($0), \(value)" } ?? value
        }
        var data: [String: JSONValue] = ["headers": .object(selected.mapValues { .string($0) })]
        if let parsed = try? ConveyorJSON.decode(JSONValue.self, from: Data(body)), !body.isEmpty {
            data["body"] = parsed
        } else if let text = String(validating: body, as: UTF8.self) {
            data["body"] = .string(text)
        } else {
            data["body_base64"] = .string(Data(body).base64EncodedString())
        }
        return .object(data)
    }
}
