/// What a tenant may call a secret, and the names Conveyor keeps for itself.
public enum SecretName {
    /// The prefix of Conveyor's own entries. A tenant's name cannot contain `:`, so it can
    /// neither read, overwrite nor delete them through the API.
    static let reservedPrefix = "conveyor:"

    /// The per-deployment key that seals sensitive header values in stored payloads.
    static let sealingKey = "conveyor:sealing-key"
    /// A tenant's request-signing secrets (``SigningSecrets``).
    static let signing = "conveyor:signing"
    /// The tenant under which deployment-wide entries live: empty, which no tenant can be.
    static let deploymentTenant = ""

    /// The longest name accepted.
    public static let maxLength = 128

    /// Why `name` is not a valid secret name, or nil when it is: 1–128 characters,
    /// letters, digits, `_`, `-` and `.`, starting with a letter or digit.
    public static func problem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= maxLength else {
            return "must be 1 to \(maxLength) characters"
        }
        func isAlphanumeric(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
        }
        guard isAlphanumeric(bytes[0]),
            bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else {
            return "must start with a letter or digit and contain only letters, digits, '_', '-' and '.'"
        }
        return nil
    }

    static func isReserved(_ name: String) -> Bool { name.hasPrefix(reservedPrefix) }
}

/// What a secret's value may be: it is sent as an HTTP header value.
public enum SecretValue {
    /// The largest value accepted, in bytes.
    public static let maxBytes = 8192

    /// Why `value` cannot be stored, or nil when it can.
    public static func problem(_ value: String) -> String? {
        let count = value.utf8.count
        guard count > 0, count <= maxBytes else { return "must be 1 to \(maxBytes) bytes" }
        // CR and LF would let a value inject headers of its own; NUL breaks both stores.
        if value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) {
            return "must not contain a line break or NUL"
        }
        return nil
    }
}
