import ConveyorCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ConveyorServer

extension AuthTests {
    @Suite("API keys") struct APIKeyRouteTests {
        @Test func createdKeyIsShownOnceAndOnlyItsHashIsStored() async throws {
            let h = try await AuthHarness()
            let admin = try await h.apiKey(tenant: "default", scopes: [.admin]).secret
            try await h.run { client in
                let response = try await client.send(
                    .post, "/v1/api-keys", bearer: admin,
                    json: #"{"name":"billing","tenant":"default","scopes":["jobs:read","jobs:write"]}"#)
                #expect(response.status == .created, "\(response.text)")
                #expect(response.headers[.cacheControl] == "no-store")
                let created = try response.decode(CreatedAPIKey.self)
                #expect(created.secret.hasPrefix("cvk_") && created.secret.count == 47)
                #expect(created.secret.hasPrefix(created.apiKey.prefix))
                #expect(created.apiKey.scopes == [.jobsRead, .jobsWrite])

                // The store has the hash, never the key.
                let stored = try #require(try await h.credentials.apiKey(hash: APIKeySecret(created.secret)!.hash))
                #expect(stored.key.id == created.apiKey.id && stored.key.prefix == created.apiKey.prefix)
                #expect(abs(stored.key.createdAt.timeIntervalSince(created.apiKey.createdAt)) < 0.001)
                #expect(stored.hash != created.secret && stored.hash.count == 64)

                // Listing shows the prefix, not the key.
                let list = try await client.send(.get, "/v1/api-keys?prefix=\(created.apiKey.prefix)", bearer: admin)
                #expect(list.status == .ok)
                #expect(!list.text.contains(created.secret))
                #expect(try list.decode(APIKeyList.self).apiKeys.map(\.id) == [created.apiKey.id])

                // The new key works, for what its scopes allow.
                #expect(try await client.send(.get, "/v1/jobs", bearer: created.secret).status == .ok)
                try expectProblem(try await client.send(.get, "/v1/api-keys", bearer: created.secret), .forbidden, type: "insufficient-scope")
            }
        }

        @Test func revokedKeysStopWorkingAtOnce() async throws {
            let h = try await AuthHarness()
            let admin = try await h.apiKey(tenant: "default", scopes: [.admin]).secret
            let (secret, key) = try await h.apiKey(tenant: "default", scopes: [.jobsRead])
            try await h.run { client in
                #expect(try await client.send(.get, "/v1/jobs", bearer: secret).status == .ok)
                let revoked = try await client.send(.delete, "/v1/api-keys/\(key.id)", bearer: admin)
                #expect(revoked.status == .ok)
                #expect(try revoked.decode(APIKey.self).revokedAt != nil)
                let refused = try expectProblem(try await client.send(.get, "/v1/jobs", bearer: secret), .unauthorized)
                #expect(refused.detail.contains("revoked"))
                // Revoking again keeps the first time.
                let again = try await client.send(.delete, "/v1/api-keys/\(key.id)", bearer: admin)
                #expect(try again.decode(APIKey.self).revokedAt == (try revoked.decode(APIKey.self).revokedAt))
                try expectProblem(try await client.send(.delete, "/v1/api-keys/nope", bearer: admin), .notFound)
            }
        }

        @Test func keysExpireAtTheirTimeAndCanBeExpiredEarly() async throws {
            let h = try await AuthHarness()
            let admin = try await h.apiKey(tenant: "default", scopes: [.admin]).secret
            let lapsed = try await h.apiKey(tenant: "default", scopes: [.jobsRead], expiresAt: Date().addingTimeInterval(-1)).secret
            let (secret, key) = try await h.apiKey(tenant: "default", scopes: [.jobsRead], expiresAt: Date().addingTimeInterval(3600))
            try await h.run { client in
                let problem = try expectProblem(try await client.send(.get, "/v1/jobs", bearer: lapsed), .unauthorized)
                #expect(problem.detail.contains("expired"))
                #expect(try await client.send(.get, "/v1/jobs", bearer: secret).status == .ok)

                let expire = try await client.send(
                    .patch, "/v1/api-keys/\(key.id)", bearer: admin, json: #"{"expires_at":"2020-01-01T00:00:00Z"}"#)
                #expect(expire.status == .ok, "\(expire.text)")
                try expectProblem(try await client.send(.get, "/v1/jobs", bearer: secret), .unauthorized)

                // Clearing the expiry brings it back; an empty body clears nothing.
                try expectProblem(try await client.send(.patch, "/v1/api-keys/\(key.id)", bearer: admin, json: "{}"), .unprocessableContent)
                let cleared = try await client.send(.patch, "/v1/api-keys/\(key.id)", bearer: admin, json: #"{"expires_at":null}"#)
                #expect(try cleared.decode(APIKey.self).expiresAt == nil)
                #expect(try await client.send(.get, "/v1/jobs", bearer: secret).status == .ok)
            }
        }

        @Test func creationChecksEveryField() async throws {
            let h = try await AuthHarness()
            let admin = try await h.apiKey(tenant: "default", scopes: [.admin]).secret
            try await h.run { client in
                let bad = try expectProblem(
                    try await client.send(
                        .post, "/v1/api-keys", bearer: admin,
                        json: #"{"name":"","tenant":"no such","scopes":["jobs:reed"],"expires_at":"2001-01-01T00:00:00Z"}"#),
                    .unprocessableContent, type: "validation")
                #expect(Set(bad.fields) == ["name", "tenant", "scopes[0]", "expires_at"])
                let unknownTenant = try expectProblem(
                    try await client.send(.post, "/v1/api-keys", bearer: admin, json: #"{"name":"n","tenant":"ghost","scopes":["admin"]}"#),
                    .unprocessableContent)
                #expect(unknownTenant.fields == ["tenant"])
                #expect(try await h.credentials.listAPIKeys(tenant: nil, prefix: nil).count == 1)
            }
        }

        @Test func useIsRecordedAtMostOnceAMinute() async throws {
            let h = try await AuthHarness()
            let (secret, key) = try await h.apiKey(tenant: "default", scopes: [.jobsRead])
            #expect(key.lastUsedAt == nil)
            try await h.run { client in
                _ = try await client.send(.get, "/v1/jobs", bearer: secret)
                let first = try #require(try await h.credentials.apiKey(id: key.id)?.lastUsedAt)
                _ = try await client.send(.get, "/v1/jobs", bearer: secret)
                #expect(try await h.credentials.apiKey(id: key.id)?.lastUsedAt == first)
            }
        }

        @Test func secretsDescribeThemselvesByPrefixOnly() {
            let secret = APIKeySecret()
            #expect(!"\(secret)".contains(secret.text))
            #expect(APIKeySecret(secret.text) != nil)
            #expect(APIKeySecret("cvk_short") == nil)
            #expect(APIKeySecret("xyz_" + secret.text.dropFirst(4)) == nil)
            #expect(APIKeySecret.constantTimeEquals(secret.hash, secret.hash))
            #expect(!APIKeySecret.constantTimeEquals(secret.hash, APIKeySecret().hash))
            #expect(!APIKeySecret.constantTimeEquals(secret.hash, String(secret.hash.dropLast())))
        }
    }
}
