import ConveyorCore
import ConveyorSQLite
import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import Prometheus
import Testing

@testable import ConveyorServer

/// The auth tests, grouped so `swift test --filter AuthTests` runs them all.
@Suite enum AuthTests {}

/// The API with auth enforced (API keys, and HS256 JWTs unless told otherwise) over a
/// Conveyor on a fresh SQLite file with its credential store. No workers run.
struct AuthHarness: Sendable {
    static let secret = "a-test-secret-of-more-than-thirty-two-bytes"
    static let audience = "conveyor-test"
    static let issuer = "https://idp.example.test"

    let conveyor: Conveyor
    let store: SQLiteJobStore
    let credentials: SQLiteCredentialStore
    let registry: PrometheusCollectorRegistry
    let configuration: ServerConfiguration
    let auth: AuthConfiguration

    /// - Parameter jwt: The JWT settings; the default trusts HS256 tokens signed with ``secret``.
    init(
        jwt: JWTSettings? = AuthHarness.hs256Settings(), development: Bool = false, host: String = "127.0.0.1",
        internalPort: Int? = nil
    ) async throws {
        store = try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite"))
        try await store.migrate()
        credentials = SQLiteCredentialStore(store)
        var jobs = JobRegistry()
        jobs.register(EchoJob())
        registry = PrometheusCollectorRegistry()
        conveyor = Conveyor(
            store: store, registry: jobs, metricsFactory: PrometheusMetricsFactory(registry: registry),
            credentials: credentials)
        configuration = ServerConfiguration(host: host, internalPort: internalPort)
        if development {
            auth = .development
        } else {
            auth = .enforced(jwt: jwt == nil ? nil : try await JWTVerifier(settings: jwt!))
        }
    }

    static func hs256Settings() -> JWTSettings {
        JWTSettings(keys: [.hs256(secret: secret)], issuer: issuer, audience: audience)
    }

    func application() -> some ApplicationProtocol {
        buildApplication(
            conveyor: conveyor, configuration: configuration, registry: registry, services: [],
            logger: Logger(label: "conveyor.auth.test"), auth: auth)
    }

    func run<Value: Sendable>(_ test: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await application().test(.router, test)
    }

    // MARK: Credentials

    /// An HS256 token; every claim can be bent to make a bad one.
    func token(
        tenant: String?, scopes: [Scope], subject: String? = "user-1", expiresIn: TimeInterval = 3600,
        audience: JSONValue = .string(AuthHarness.audience), issuer: String = AuthHarness.issuer,
        secret: String = AuthHarness.secret, extra: [String: JSONValue] = [:]
    ) async throws -> String {
        var claims: [String: JSONValue] = [
            "exp": .number((Date().timeIntervalSince1970 + expiresIn).rounded()),
            "iat": .number(Date().timeIntervalSince1970.rounded()),
            "aud": audience, "iss": .string(issuer),
            "scope": .string(scopes.map(\.rawValue).joined(separator: " ")),
        ]
        if let tenant { claims["tenant"] = .string(tenant) }
        if let subject { claims["sub"] = .string(subject) }
        claims.merge(extra) { _, new in new }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(JWTClaims(claims))
    }

    /// An API key stored directly, as `conveyor admin create-key` does.
    func apiKey(
        tenant: String, scopes: [Scope], expiresAt: Date? = nil, name: String = "test"
    ) async throws -> (secret: String, key: APIKey) {
        if try await credentials.tenant(id: tenant) == nil {
            _ = try await credentials.saveTenant(id: tenant, limits: TenantLimits(), now: Date())
        }
        let secret = APIKeySecret()
        let key = secret.hashedKey(name: name, tenant: tenant, scopes: scopes, createdAt: Date(), expiresAt: expiresAt)
        try await credentials.insertAPIKey(key)
        return (secret.text, key.key)
    }

    /// A job inserted straight into the store, bypassing the API.
    func seedJob(tenant: String, payload: JSONValue = ["text": "seed"], metadata: JSONValue = [:], idempotencyKey: String? = nil)
        async throws -> Job
    {
        let now = Date()
        return try await store.insertJobs([
            NewJob(
                type: EchoJob.type, payload: payload, runAt: now, idempotencyKey: idempotencyKey, tenant: tenant,
                metadata: metadata, createdAt: now)
        ])[0].job
    }

    /// Everything a request could have written: jobs, tenants, keys, remote workers and
    /// declared job types.
    func snapshot() async throws -> StoreSnapshot {
        StoreSnapshot(
            jobs: try await store.listJobs(JobQuery(limit: 1000)).jobs, tenants: try await credentials.listTenants(),
            keys: try await credentials.listAPIKeys(tenant: nil, prefix: nil), workers: try await store.listWorkers(tenant: nil),
            jobTypes: try await store.allJobTypes())
    }
}

struct StoreSnapshot: Equatable {
    var jobs: [Job]
    var tenants: [Tenant]
    var keys: [APIKey]
    var workers: [RemoteWorker]
    var jobTypes: [DeclaredJobType]
}

extension TestClientProtocol {
    /// Sends a request with `Authorization: Bearer <bearer>` when one is given.
    func send(_ method: HTTPRequest.Method, _ uri: String, bearer: String?, json: String? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        if json != nil { headers[.contentType] = "application/json" }
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}
