import Crypto
import Foundation

/// Standard Webhooks signing: `v1,` + base64(HMAC-SHA256(key, "id.timestamp.body")), the
/// key being the base64 after `whsec_`. One implementation for webhook deliveries and
/// `http` job requests. Several signatures (a rotation's overlap) are
/// separated by spaces in one `webhook-signature` header.
public enum WebhookSignature {
    /// One signature, or nil when `secret` is not a webhook secret.
    public static func sign(secret: String, id: String, timestamp: Int64, body: Data) -> String? {
        guard let key = WebhookSecret.key(secret) else { return nil }
        var mac = HMAC<SHA256>(key: SymmetricKey(data: key))
        mac.update(data: Data("\(id).\(timestamp).".utf8))
        mac.update(data: body)
        return "v1," + Data(mac.finalize()).base64EncodedString()
    }

    /// The `webhook-signature` header value: one signature per secret, space-separated.
    public static func header(secrets: [String], id: String, timestamp: Int64, body: Data) -> String {
        secrets.compactMap { sign(secret: $0, id: id, timestamp: timestamp, body: body) }.joined(separator: " ")
    }
}
