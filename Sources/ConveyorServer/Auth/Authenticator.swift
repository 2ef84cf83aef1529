import ConveyorCore
import Foundation
import Hummingbird
import Logging

/// Establishes the ``Caller`` behind a request and checks it against the route's
/// ``RouteAccess``. Every route goes through ``authorize(_:access:)`` before its handler.
struct Authenticator: Sendable {
    /// `last_used_at` is written at most this often per key, so a busy key does not turn
    /// every request into a write.
    static let useRecordingInterval: TimeInterval = 60

    let configuration: AuthConfiguration
    let credentials: (any CredentialStore)?
    let clock: any ConveyorClock
    let logger: Logger

    /// The caller for a route, or a 401/403 problem. Public routes get no caller and
    /// never look at the Authorization header.
    func authorize(_ request: Request, access: RouteAccess) async throws -> Caller? {
        switch access {
        case .public:
            return nil
        case .signature:
            // Inbound webhooks: the handler verifies the request's signature against its
            // source's secret before it reads or writes anything.
            return nil
        case .authenticated:
            return try await authenticate(request)
        case .scope(let scope):
            let caller = try await authenticate(request)
            guard caller.has(scope) else { throw ProblemError.scopeMissing(scope, has: caller.scopes) }
            return caller
        }
    }

    func authenticate(_ request: Request) async throws -> Caller {
        // Dev mode is admin of the default tenant whatever is sent: it exists for a
        // developer's own machine, where there is nothing to tell apart.
        guard configuration.mode == .enforced else { return .development }
        switch AuthorizationHeader.parse(request) {
        case .missing:
            throw ProblemError.credentialMissing()
        case .malformed(let reason):
            throw ProblemError.credentialInvalid(reason)
        case .bearer(let token):
            if token.hasPrefix(APIKeySecret.marker) {
                return try await apiKeyCaller(token)
            }
            guard let jwt = configuration.jwt else {
                throw ProblemError.credentialInvalid("This server accepts API keys (cvk_…) only; JWT verification is not configured.")
            }
            return try await jwt.verify(token, now: clock.now())
        }
    }

    private func apiKeyCaller(_ token: String) async throws -> Caller {
        guard let secret = APIKeySecret(token) else {
            throw ProblemError.credentialInvalid("The API key is malformed: a key is cvk_ followed by 43 base64url characters.")
        }
        guard let credentials else {
            throw ProblemError.credentialInvalid("This server keeps no API keys; use a JWT.")
        }
        let hash = secret.hash
        // The index lookup finds the candidate; the constant-time comparison is what
        // decides, so no code path branches on a partially matching secret.
        guard let stored = try await credentials.apiKey(hash: hash), APIKeySecret.constantTimeEquals(stored.hash, hash) else {
            throw ProblemError.credentialInvalid("The API key is not known to this server.")
        }
        let now = clock.now()
        switch stored.key.status(at: now) {
        case .revoked:
            throw ProblemError.credentialInvalid("The API key \(stored.key.prefix)… was revoked.")
        case .expired:
            throw ProblemError.credentialInvalid(
                "The API key \(stored.key.prefix)… expired at \(ConveyorJSON.formatDate(stored.key.expiresAt ?? now)).")
        case .active:
            break
        }
        await recordUse(of: stored.key, now: now)
        return Caller(credential: .apiKey(id: stored.key.id), tenant: stored.key.tenant, scopes: Set(stored.key.scopes))
    }

    private func recordUse(of key: APIKey, now: Date) async {
        if let last = key.lastUsedAt, now.timeIntervalSince(last) < Self.useRecordingInterval { return }
        do {
            try await credentials?.recordAPIKeyUse(id: key.id, at: now)
        } catch {
            // Bookkeeping only: a failed write must not fail the request it describes.
            logger.warning("recording API key use failed", metadata: ["key": "\(key.id)", "error": "\(String(reflecting: error))"])
        }
    }
}
