/// The body of `POST /v1/tenants`: creates a tenant, or replaces its limits.
public struct TenantRequest: Codable, Sendable, Hashable {
    public var id: String
    /// Left out: no limits (on update, the limits are cleared).
    public var limits: TenantLimits?

    public init(id: String, limits: TenantLimits? = nil) {
        self.id = id
        self.limits = limits
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case id, limits }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        limits = try c.decodeIfPresent(TenantLimits.self, forKey: .limits)
    }

    /// Every problem at once, each naming its field.
    public func validate() throws(ConveyorError) {
        var failures: [ValidationFailure] = []
        if !EnqueueRequest.isValidName(id) {
            failures.append(ValidationFailure("id", "must be 1–100 characters of letters, digits, '_', '-', '.' or ':'"))
        }
        failures += (limits ?? TenantLimits()).validate()
        guard failures.isEmpty else { throw .invalid(failures) }
    }
}

/// `GET /v1/tenants`.
public struct TenantList: Codable, Sendable {
    public var tenants: [Tenant]

    public init(tenants: [Tenant]) {
        self.tenants = tenants
    }
}
