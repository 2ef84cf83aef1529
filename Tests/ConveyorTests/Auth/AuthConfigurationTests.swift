import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Synchronization
import Testing

@testable import ConveyorServer

extension AuthTests {
    @Suite("Auth configuration and dev mode") struct AuthConfigurationTests {
        @Test(arguments: [
            ("127.0.0.1", true), ("localhost", true), ("LOCALHOST", true), ("::1", true), ("[::1]", true), ("127.8.9.10", true),
            ("0.0.0.0", false), ("::", false), ("10.0.0.1", false), ("example.com", false), ("127.0.0.1.nip.io", false),
            ("1270.0.0.1", false), ("", false),
        ])
        func loopbackAddresses(host: String, loopback: Bool) {
            #expect(AuthConfiguration.isLoopback(host) == loopback)
        }

        @Test func modeFollowsTheRequestTheJWTConfigAndTheAddress() throws {
            func mode(_ request: AuthConfiguration.Request, jwt: Bool, _ host: String) throws -> Bool {
                try AuthConfiguration.resolveMode(requested: request, jwtConfigured: jwt, host: host).enforced
            }
            #expect(try mode(.auto, jwt: false, "127.0.0.1") == false)
            #expect(try mode(.auto, jwt: true, "127.0.0.1") == true)
            #expect(try mode(.auto, jwt: true, "0.0.0.0") == true)
            #expect(try mode(.on, jwt: false, "0.0.0.0") == true)
            #expect(try mode(.on, jwt: false, "127.0.0.1") == true)
            #expect(try mode(.off, jwt: false, "localhost") == false)
        }

        @Test(arguments: [
            (AuthConfiguration.Request.auto, false, "0.0.0.0"), (.auto, false, "10.1.2.3"), (.off, false, "0.0.0.0"),
            (.off, true, "127.0.0.1"),
        ])
        func refusesToServeTheNetworkWithoutAuth(request: AuthConfiguration.Request, jwt: Bool, host: String) {
            #expect(throws: AuthConfigurationError.self) {
                try AuthConfiguration.resolveMode(requested: request, jwtConfigured: jwt, host: host)
            }
        }

        @Test func refusalSaysHowToFixIt() {
            do {
                _ = try AuthConfiguration.resolveMode(requested: .auto, jwtConfigured: false, host: "0.0.0.0")
                Issue.record("accepted")
            } catch {
                #expect(error.message.contains("--auth on") && error.message.contains("--jwt-audience") && error.message.contains("127.0.0.1"))
            }
        }

        /// An embedding program that leaves auth at its default cannot open the API to the network.
        @Test func devModeApplicationRefusesToStartOnANetworkAddress() async throws {
            let h = try await AuthHarness(development: true, host: "0.0.0.0")
            await #expect(throws: AuthConfigurationError.self) {
                try await h.run { _ in }
            }
        }

        @Test func devModeActsAsAdminOfTheDefaultTenant() async throws {
            let h = try await AuthHarness(development: true)
            try await h.run { client in
                let job = try await client.send(.post, "/v1/jobs", bearer: nil, json: #"{"type":"echo","payload":{"text":"x"}}"#).decode(Job.self)
                #expect(job.tenant == "default" && job.createdBy == "dev")
                #expect(try await client.send(.get, "/v1/tenants", bearer: nil).status == .ok)
                let me = try await client.send(.get, "/v1/whoami", bearer: "anything").decode(WhoAmI.self)
                #expect(me.credential == "dev" && me.scopes == [.admin] && me.tenant == "default")
            }
        }

        @Test func bootstrapKeyIsMadeOnceWhileNoAdminKeyExists() async throws {
            let base = try await AuthHarness()
            let shown = Mutex<[String]>([])
            let auth = AuthConfiguration.enforced(jwt: nil) { secret, _ in shown.withLock { $0.append(secret.text) } }
            func start() async throws {
                let app = buildApplication(
                    conveyor: base.conveyor, configuration: base.configuration, registry: base.registry, services: [],
                    logger: Logger(label: "test"), auth: auth)
                try await app.test(.router) { client in
                    let key = try #require(shown.withLock { $0.last })
                    #expect(try await client.send(.get, "/v1/tenants", bearer: key).status == .ok)
                }
            }
            try await start()
            try await start()
            #expect(shown.withLock { $0.count } == 1, "a second start must not print another key")
            let keys = try await base.credentials.listAPIKeys(tenant: nil, prefix: nil)
            #expect(keys.count == 1 && keys[0].scopes == [.admin] && keys[0].name == "bootstrap")
            // Revoked: the next start makes a new one.
            _ = try await base.credentials.revokeAPIKey(id: keys[0].id, at: Date())
            try await start()
            #expect(shown.withLock { $0.count } == 2)
        }

        @Test func probesMoveToTheInternalPort() async throws {
            let h = try await AuthHarness(internalPort: 9091)
            try await h.run { client in
                try expectProblem(try await client.send(.get, "/healthz", bearer: nil), .notFound, type: "route-not-found")
                try expectProblem(try await client.send(.get, "/metrics", bearer: nil), .notFound)
            }
            let probes = Application(
                router: buildInternalRouter(conveyor: h.conveyor, configuration: h.configuration, registry: h.registry))
            try await probes.test(.router) { client in
                #expect(try await client.send(.get, "/healthz", bearer: nil).status == .ok)
                #expect(try await client.send(.get, "/readyz", bearer: nil).status == .ok)
                #expect(try await client.send(.get, "/metrics", bearer: nil).status == .ok)
                try expectProblem(try await client.send(.get, "/v1/jobs", bearer: nil), .notFound)
            }
        }

        @Test func probesStayOpenOnTheMainPortWithoutAnInternalOne() async throws {
            let h = try await AuthHarness()
            try await h.run { client in
                #expect(try await client.send(.get, "/healthz", bearer: nil).status == .ok)
                #expect(try await client.send(.get, "/metrics", bearer: nil).status == .ok)
                try expectProblem(try await client.send(.get, "/v1/jobs", bearer: nil), .unauthorized)
            }
        }
    }
}
