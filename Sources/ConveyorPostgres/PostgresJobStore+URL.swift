import Foundation
import PostgresNIO

extension PostgresJobStore {
    /// Builds a client configuration from a connection URL:
    /// `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require|verify-full]`.
    ///
    /// User and password may be percent-encoded. The port defaults to 5432, the database
    /// to the user's name, `sslmode` to `prefer` (as libpq does). `require` encrypts
    /// without checking the server's certificate, as libpq does; `verify-full` checks it
    /// and the host name.
    public static func configuration(url: String) throws -> PostgresClient.Configuration {
        func invalid(_ reason: String) -> PostgresURLError {
            PostgresURLError(
                message: "Invalid PostgreSQL URL '\(redacted(url))': \(reason). "
                    + "Expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|require].")
        }
        guard let components = URLComponents(string: url) else { throw invalid("it does not parse as a URL") }
        guard components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw invalid("the scheme must be postgres:// or postgresql://")
        }
        guard var host = components.host, !host.isEmpty else { throw invalid("it names no host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let user = components.user, !user.isEmpty else { throw invalid("it names no user") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw invalid("the port must be between 1 and 65535") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.contains("/") else { throw invalid("the path must be just the database name") }
        let database = path.removingPercentEncoding ?? path

        var tls: PostgresClient.Configuration.TLS = .prefer(Self.unverifiedTLS)
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", "disable"): tls = .disable
            case ("sslmode", "prefer"), ("sslmode", "allow"): tls = .prefer(Self.unverifiedTLS)
            case ("sslmode", "require"): tls = .require(Self.unverifiedTLS)
            case ("sslmode", "verify-full"): tls = .require(.makeClientConfiguration())
            case ("sslmode", let value):
                throw invalid("unsupported sslmode '\(value ?? "")'; use disable, prefer, require or verify-full")
            case (let name, _):
                throw invalid("unsupported parameter '\(name)'; only sslmode is understood")
            }
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: tls)
        // Every query here is short and runs many times. JIT compiling one costs 20-30 ms,
        // and the event log's read, whose estimate crosses jit_above_cost, took 75 ms with
        // it and 9 ms without.
        configuration.options.additionalStartupParameters = [("jit", "off")]
        return configuration
    }

    /// Encryption without certificate checks: libpq's `prefer` and `require`.
    private static var unverifiedTLS: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }

    /// The URL with its password replaced, for messages and logs.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}

/// A connection URL that cannot be used, with what is wrong and the expected form.
public struct PostgresURLError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
