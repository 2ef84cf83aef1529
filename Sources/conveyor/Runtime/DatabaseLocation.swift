import ArgumentParser
import ConveyorCore
import ConveyorPostgres
import ConveyorSQLite
import Logging
import ServiceLifecycle

/// Where the jobs live, from `--database` or `CONVEYOR_DATABASE_URL`: a file path, a
/// `sqlite:` URL, or a `postgres://` URL.
enum DatabaseLocation: CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    static let defaultPath = "./conveyor.sqlite"

    init(_ text: String) throws {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite://") {
            self = .sqlite(path: String(text.dropFirst("sqlite://".count)))
        } else if text.hasPrefix("sqlite:") {
            self = .sqlite(path: String(text.dropFirst("sqlite:".count)))
        } else if text.contains("://") {
            throw ValidationError("Unsupported database URL '\(text)'. Use a file path, sqlite:PATH or postgres://USER@HOST/DB.")
        } else {
            self = .sqlite(path: text)
        }
        if case .sqlite(let path) = self, path.isEmpty {
            throw ValidationError("The sqlite: URL names no file. Example: sqlite:./conveyor.sqlite")
        }
    }

    var isPostgres: Bool {
        if case .postgres = self { return true }
        return false
    }

    var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url): return Self.redacted(url)
        }
    }

    /// Opens the store and what goes with it. The caller runs `services` first, then migrates.
    func openBackend(logger: Logger) throws -> Backend {
        switch self {
        case .sqlite(let path): try SQLiteBackend.open(path: path)
        case .postgres(let url): try PostgresBackend.open(url: url, logger: logger)
        }
    }

    /// Hides the password of a URL for logs.
    static func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"),
            let colon = url[scheme.upperBound..<at].firstIndex(of: ":")
        else { return url }
        return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }
}

extension Backend {
    /// The credential store, which both built-in drivers keep beside their jobs.
    func requireCredentials() throws -> any CredentialStore {
        guard let credentials else { throw ValidationError("This database keeps no tenants or API keys.") }
        return credentials
    }
}
