/// Which `http` job headers carry credentials, so their values are sealed before the
/// payload is stored and shown as ``redacted`` on every surface that reads jobs back.
public enum SensitiveHeaders {
    /// What a stored payload shows in place of a sensitive header's value.
    public static let redacted = "[redacted]"

    static let names: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"]
    /// Parts of a name that mark it as a credential (`x-auth-token`, `x-session-id`,
    /// `x-hub-signature`, `x-goog-api-key`, `x-apikey`, …). Wide on purpose: redacting a
    /// harmless header costs a receiver nothing, leaking a key costs the tenant.
    static let fragments = ["token", "secret", "password", "passwd", "api-key", "api_key", "apikey", "auth", "session", "signature"]

    /// True when `name`'s value must never be shown.
    public static func isSensitive(_ name: String) -> Bool {
        let lower = name.lowercased()
        return names.contains(lower) || fragments.contains { lower.contains($0) }
    }
}
