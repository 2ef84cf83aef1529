import ConveyorCore
import ConveyorSQLite
import ConveyorServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing

/// The HTTP API tests, grouped so `swift test --filter ServerTests` runs them all.
@Suite enum ServerTests {}

/// The job type the API tests enqueue. It never runs: route tests start no engine.
struct EchoJob: JobHandler {
    struct Payload: Codable, Sendable {
        var text: String
        var count: Int?
    }

    static let type = "echo"

    func run(_ payload: Payload, context: JobContext) async throws -> JSONValue? {
        .string(payload.text)
    }
}

/// The API over a Conveyor on a fresh SQLite file, with no workers, so every job stays
/// in the state a test put it in.
struct ServerHarness: Sendable {
    let conveyor: Conveyor
    /// The store under `conveyor`, for tests that set a state up directly.
    let store: SQLiteJobStore
    let registry: PrometheusCollectorRegistry
    let configuration: ServerConfiguration

    /// - Parameter migrate: false leaves the schema missing, which `/readyz` must report.
    init(maxBodyBytes: Int = 1_048_576, queues: [String] = ["default"], migrate: Bool = true) async throws {
        store = try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite"))
        if migrate { try await store.migrate() }
        var jobs = JobRegistry()
        jobs.register(EchoJob())
        registry = PrometheusCollectorRegistry()
        conveyor = Conveyor(store: store, registry: jobs, metricsFactory: PrometheusMetricsFactory(registry: registry))
        configuration = ServerConfiguration(maxBodyBytes: maxBodyBytes, queues: queues)
    }

    func run<Value: Sendable>(_ test: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let app = buildApplication(
            conveyor: conveyor, configuration: configuration, registry: registry, services: [],
            logger: Logger(label: "conveyor.server.test"))
        return try await app.test(.router, test)
    }
}

extension TestClientProtocol {
    func send(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Enqueues one job that must be created.
    func enqueue(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Job {
        let response = try await send(.post, "/v1/jobs", json: json)
        #expect(response.status == .created, "\(response.text)", sourceLocation: sourceLocation)
        return try response.decode(Job.self)
    }

    func job(_ id: String) async throws -> Job {
        try await send(.get, "/v1/jobs/\(id)").decode(Job.self)
    }

    func list(_ query: String = "") async throws -> JobPage {
        let response = try await send(.get, "/v1/jobs\(query)")
        #expect(response.status == .ok, "\(response.text)")
        return try response.decode(JobPage.self)
    }
}

extension TestResponse {
    var text: String { String(decoding: body.readableBytesView, as: UTF8.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try ConveyorJSON.decode(type, from: Data(body.readableBytesView))
    }
}

/// Checks that `response` is an RFC 9457 problem with `status` (and `type`, a problem
/// code such as `validation`), and returns the document.
@discardableResult
func expectProblem(
    _ response: TestResponse, _ status: HTTPResponse.Status, type: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> Problem {
    #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    let problem = try response.decode(Problem.self)
    #expect(problem.status == status.code, sourceLocation: sourceLocation)
    #expect(!problem.title.isEmpty && !problem.detail.isEmpty, sourceLocation: sourceLocation)
    if let type {
        #expect(problem.type == "urn:conveyor:problem:\(type)", sourceLocation: sourceLocation)
    }
    return problem
}

extension Problem {
    var fields: [String] { (errors ?? []).map(\.field) }
}
