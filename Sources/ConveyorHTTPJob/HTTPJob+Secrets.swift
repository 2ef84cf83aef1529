import ConveyorCore
import Foundation
import NIOHTTP1

/// Credentials in `http` jobs: sensitive header values are sealed before the payload is
/// stored (every read surface shows ``SensitiveHeaders/redacted``), named secrets are
/// resolved at send time, and every request is signed with the tenant's signing secret.
extension HTTPJob {
    /// Seals the value of each sensitive header (``SensitiveHeaders``) into
    /// `sealed_headers` and stores `"[redacted]"` in its place. A header already redacted
    /// keeps its sealed value, which must open for this tenant, so a re-run, or a job read
    /// back and submitted again, still sends the real value. Only `headers` and
    /// `sealed_headers` change; the rest is stored as written.
    public func prepareForStorage(_ payload: JSONValue, secrets: TenantSecrets) async throws -> JSONValue {
        guard case .object(var object) = payload, object["headers"] != nil || object["sealed_headers"] != nil else {
            return payload
        }
        let headers = object["headers"]?.objectValue ?? [:]
        let given = object["sealed_headers"]?.objectValue ?? [:]
        var stored = headers
        var sealed: [String: JSONValue] = [:]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            // References ({"secret": …}) hold no value; nothing to seal.
            guard case .string(let text) = value else { continue }
            if text == SensitiveHeaders.redacted {
                guard case .string(let value)? = given[name] else {
                    guard SensitiveHeaders.isSensitive(name) else { continue }
                    throw ValidationFailure(
                        "headers.\(name)",
                        #"is "[redacted]" without its sealed value: give the real value, or {"secret": "NAME"} for a named secret"#)
                }
                do {
                    _ = try await secrets.open(value, purpose: Self.sealPurpose(name))
                } catch is SealingError {
                    throw ValidationFailure(
                        "sealed_headers.\(name)", "was not sealed by this server for this tenant and header; give the header's real value instead")
                }
                sealed[name] = .string(value)
            } else if SensitiveHeaders.isSensitive(name) {
                sealed[name] = .string(try await secrets.seal(text, purpose: Self.sealPurpose(name)))
                stored[name] = .string(SensitiveHeaders.redacted)
            }
        }
        if object["headers"] != nil { object["headers"] = .object(stored) }
        object["sealed_headers"] = sealed.isEmpty ? nil : .object(sealed)
        return .object(object)
    }

    /// What a sealed header value is bound to besides its tenant: the header's name, so it
    /// cannot be replayed under another header.
    static func sealPurpose(_ header: String) -> String { "http-header:\(header.lowercased())" }

}

extension HTTPJob.Payload {
    /// The headers to send: named secrets resolved for the job's tenant, sealed values opened.
    func resolvedHeaders(context: JobContext) async throws -> [String: String] {
        var resolved = headers
        for (name, value) in headers where value == SensitiveHeaders.redacted {
            guard let sealed = sealedHeaders[name] else { continue }
            guard let secrets = context.secrets else {
                throw JobControl.fail("header '\(name)' is sealed, and this server's store keeps no secrets to open it")
            }
            do {
                resolved[name] = try await secrets.open(sealed, purpose: HTTPJob.sealPurpose(name))
            } catch let error as SealingError {
                // It will not open on a later attempt either.
                throw JobControl.fail("header '\(name)': \(error)")
            }
        }
        for (name, secret) in secretHeaders {
            // A missing secret is retried by backoff: the tenant may be about to create it.
            guard let value = try await context.secrets?.value(named: secret) else {
                throw MissingSecretError(header: name, secret: secret, tenant: context.tenant)
            }
            resolved[name] = value
        }
        return resolved
    }

    /// Adds the Standard Webhooks headers: `webhook-id` (the job id and attempt),
    /// `webhook-timestamp`, and `webhook-signature` with one `v1,…` per signing secret
    /// (two while a rotated-out secret is in its overlap). Without a secret store, the
    /// request goes unsigned.
    func sign(_ headers: inout HTTPHeaders, body: Data, context: JobContext, at now: Date) async throws {
        guard let secrets = context.secrets else { return }
        let signing = try await secrets.signingSecret()
        let id = "\(context.id)_\(context.attempt)"
        let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
        headers.replaceOrAdd(name: "webhook-id", value: id)
        headers.replaceOrAdd(name: "webhook-timestamp", value: String(timestamp))
        headers.replaceOrAdd(
            name: "webhook-signature",
            value: WebhookSignature.header(secrets: signing.signingSecrets(at: now), id: id, timestamp: timestamp, body: body))
    }
}

/// An `http` job names a secret its tenant does not have. The attempt fails and the
/// job's backoff applies, so creating the secret lets a later attempt through.
public struct MissingSecretError: Error, Sendable, CustomStringConvertible {
    public var header: String
    public var secret: String
    public var tenant: String

    public var description: String {
        "header '\(header)' uses secret '\(secret)', which tenant '\(tenant)' does not have; create it with PUT /v1/secrets/\(secret)"
    }
}
