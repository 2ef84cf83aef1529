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
        case .sqlite(let path):
            return Backend(store: try SQLiteJobStore(path: path), notifier: LocalNotifier(), services: []) { _ in SoleLeader() }
        case .postgres(let url):
            let store = try PostgresJobStore(url: url, logger: logger)
            let notifier = PostgresNotifier(client: store.client, logger: logger)
            return Backend(store: store, notifier: notifier, services: [store, notifier]) { holder in
                PostgresLeaderElector(client: store.client, holder: holder, logger: logger)
            }
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

/// A store with its notifier, its leader election, and the services they need running.
struct Backend {
    let store: any JobStore
    let notifier: any Notifier
    /// Long-running parts (a connection pool, a LISTEN loop) that must run before and
    /// stop after everything that uses the store.
    let services: [any Service]
    let elector: @Sendable (_ holder: String) -> any LeaderElector

    /// Runs `body` with the backend's services running, for one-shot commands.
    func withServices<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard !services.isEmpty else { return try await body() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            for service in services { group.addTask { try await service.run(); return nil } }
            let result = try await body()
            group.cancelAll()
            return result
        }
    }
}
