import ConveyorCore
import ConveyorSQLite
import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

@testable import ConveyorServer

extension ServerTests {
    /// The contract, `openapi/conveyor.json`, against the router: the same routes both
    /// ways, each declaring the access ``RouteScopes`` gives it, and served byte for byte.
    /// Its schemas are checked against a live server by Tests/process/openapi_test.py.
    @Suite("OpenAPI document") struct OpenAPIDocumentTests {
        static let file = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "openapi/conveyor.json")

        static let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

        /// Each operation of the document by its route, e.g. `GET /v1/jobs/{id}`.
        static func operations() throws -> [RouteKey: [String: Any]] {
            let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var operations: [RouteKey: [String: Any]] = [:]
            for (path, item) in paths {
                for (method, operation) in item where methods.contains(method) {
                    operations[RouteKey(HTTPRequest.Method(rawValue: method.uppercased())!, path)] = operation as? [String: Any]
                }
            }
            return operations
        }

        /// Every route the router registers, as ``RouteTable`` records them. The 405
        /// responders and the HEAD that comes with each GET are not recorded there.
        static func registeredRoutes() throws -> Set<RouteKey> {
            let conveyor = Conveyor(store: try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite")), registry: JobRegistry())
            let routes = buildRoutes(
                conveyor: conveyor, configuration: ServerConfiguration(), registry: PrometheusCollectorRegistry(),
                auth: .development, events: EventTailer(conveyor: conveyor), surface: .all)
            return Set(routes.registered)
        }

        @Test func documentsExactlyTheRegisteredRoutes() throws {
            let documented = Set(try Self.operations().keys)
            let registered = try Self.registeredRoutes()
            let missing = registered.subtracting(documented).map(\.description).sorted()
            let extra = documented.subtracting(registered).map(\.description).sorted()
            #expect(missing.isEmpty, "routes the router serves but openapi/conveyor.json lacks: \(missing)")
            #expect(extra.isEmpty, "operations in openapi/conveyor.json the router does not serve: \(extra)")
        }

        /// Public and signature routes need no credential (`security: []`); every other
        /// operation may answer 401, names its scope in `x-required-scope` and may answer 403.
        @Test func declaresEachRoutesAccess() throws {
            for (route, operation) in try Self.operations() {
                let access = try #require(RouteScopes.table[route], "\(route) has no RouteScopes entry")
                let security = operation["security"] as? [Any]
                let responses = try #require(operation["responses"] as? [String: Any], "\(route) lists no responses")
                let scope = operation["x-required-scope"] as? String
                switch access {
                case .public, .signature:
                    #expect(security?.isEmpty == true, "\(route) is \(access): it needs `security: []`")
                    #expect(scope == nil, "\(route) is \(access) but names a scope")
                case .authenticated:
                    #expect(security == nil, "\(route) needs the document's default security")
                    #expect(scope == nil, "\(route) takes any credential but names a scope")
                    #expect(responses["401"] != nil, "\(route) can answer 401")
                case .scope(let required):
                    #expect(security == nil, "\(route) needs the document's default security")
                    #expect(scope == required.rawValue, "\(route) needs \(required.rawValue), the document says \(scope ?? "none")")
                    #expect(responses["401"] != nil && responses["403"] != nil, "\(route) can answer 401 and 403")
                }
            }
        }

        @Test func servesTheFileByteForByte() async throws {
            let file = try Data(contentsOf: Self.file)
            #expect(Data(OpenAPIDocument.bytes) == file, "the embedded document is not openapi/conveyor.json: rebuild")
            let harness = try await ServerHarness()
            try await harness.run { client in
                let response = try await client.send(.get, "/openapi.json")
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(Data(buffer: response.body) == file, "GET /openapi.json differs from openapi/conveyor.json")
            }
        }
    }
}
