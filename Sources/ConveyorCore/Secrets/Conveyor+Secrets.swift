import Foundation

/// Named tenant secrets and the request-signing secret through the facade. Every call
/// acts on the caller's own tenant: a secret of another tenant is "not found".
extension Conveyor {
    /// The handle a handler gets for `tenant`'s secrets.
    public func tenantSecrets(_ tenant: String) -> TenantSecrets {
        TenantSecrets(tenant: tenant, store: backend.secrets, clock: clock)
    }

    /// Creates or replaces the caller's secret `name`. The value is never returned.
    public func putSecret(name: String, value: String, as caller: Caller? = nil) async throws -> (secret: SecretInfo, created: Bool) {
        var failures: [ValidationFailure] = []
        if let problem = SecretName.problem(name) { failures.append(ValidationFailure("name", problem)) }
        if let problem = SecretValue.problem(value) { failures.append(ValidationFailure("value", problem)) }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
        let store = backend.secrets
        let tenant = caller?.tenant ?? Tenant.defaultID
        let created = try await store.putSecret(tenant: tenant, name: name, value: value, now: clock.now())
        guard let info = try await store.listSecrets(tenant: tenant).first(where: { $0.name == name }) else {
            throw Self.secretNotFound(name)
        }
        return (info, created)
    }

    /// The caller's secrets: names and times, never values.
    public func listSecrets(as caller: Caller? = nil) async throws -> [SecretInfo] {
        try await backend.secrets.listSecrets(tenant: caller?.tenant ?? Tenant.defaultID).filter { !SecretName.isReserved($0.name) }
    }

    public func deleteSecret(name: String, as caller: Caller? = nil) async throws {
        if let problem = SecretName.problem(name) { throw ConveyorError.invalid([ValidationFailure("name", problem)]) }
        guard try await backend.secrets.deleteSecret(tenant: caller?.tenant ?? Tenant.defaultID, name: name) else {
            throw Self.secretNotFound(name)
        }
    }

    /// The caller's tenant's request-signing secret, made on first use.
    public func signingSecret(as caller: Caller? = nil) async throws -> SigningSecret {
        let secrets = tenantSecrets(caller?.tenant ?? Tenant.defaultID)
        return Self.shown(try await secrets.signingSecret())
    }

    /// A new signing secret; the old one keeps signing for ``SigningSecret/rotationOverlap``.
    public func rotateSigningSecret(as caller: Caller? = nil) async throws -> SigningSecret {
        Self.shown(try await tenantSecrets(caller?.tenant ?? Tenant.defaultID).rotateSigningSecret())
    }

    /// Runs each job's handler's ``JobHandler/prepareForStorage(_:secrets:)`` on its
    /// payload. A refusal names the field under `fieldPrefix(index)` + `payload.`.
    func prepareForStorage(_ jobs: inout [NewJob], fieldPrefix: (Int) -> String) async throws {
        var failures: [ValidationFailure] = []
        for index in jobs.indices {
            guard let handler = registry.handler(for: jobs[index].type) else { continue }
            do {
                jobs[index].payload = try await handler.prepare(jobs[index].payload, tenantSecrets(jobs[index].tenant))
            } catch let failure as ValidationFailure {
                failures.append(failure.nested(under: fieldPrefix(index) + "payload"))
            }
        }
        guard failures.isEmpty else { throw ConveyorError.invalid(failures) }
    }

    /// The previous secret is not shown: receivers already have it.
    private static func shown(_ secret: SigningSecret) -> SigningSecret {
        var shown = secret
        shown.previousSecret = nil
        return shown
    }

    static func secretNotFound(_ name: String) -> ConveyorError {
        ConveyorError(.notFound, "No secret is named '\(name)'. List them with GET /v1/secrets.")
    }
}
