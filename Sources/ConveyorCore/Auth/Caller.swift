/// Who is making a request, as established by the server from a credential: the tenant
/// the credential is bound to, the scopes it carries, and the name recorded as
/// `created_by` on what it creates.
///
/// The ``Conveyor`` facade takes a caller on every tenant-scoped call. A `nil` caller is
/// trusted in-process Swift code and sees every tenant.
public struct Caller: Sendable, Hashable {
    /// How the caller proved who it is.
    public enum Credential: Sendable, Hashable {
        /// Dev mode: no auth configured, bound to loopback.
        case development
        /// An API key, by its id (never its secret).
        case apiKey(id: String)
        /// A JWT bearer token, by its `sub` claim.
        case token(subject: String)
    }

    public var credential: Credential
    public var tenant: String
    public var scopes: Set<Scope>

    public init(credential: Credential, tenant: String, scopes: Set<Scope>) {
        self.credential = credential
        self.tenant = tenant
        self.scopes = scopes
    }

    /// Dev mode's caller: admin of tenant `default`.
    public static let development = Caller(credential: .development, tenant: Tenant.defaultID, scopes: [.admin])

    /// The value recorded as `created_by`: the token's `sub`, `key:<id>` for an API key,
    /// `dev` in dev mode.
    public var createdBy: String {
        switch credential {
        case .development: "dev"
        case .apiKey(let id): "key:\(id)"
        case .token(let subject): subject
        }
    }

    public var isAdmin: Bool { scopes.contains(.admin) }

    /// True when the caller may do what `scope` guards; admin may do everything.
    public func has(_ scope: Scope) -> Bool {
        isAdmin || scopes.contains(scope)
    }

    /// True when the caller may see resources of `tenant`. For any other tenant the answer
    /// must look exactly like "not found", so ids of other tenants leak nothing.
    public func canAccess(tenant: String) -> Bool {
        isAdmin || tenant == self.tenant
    }

    /// The tenant a new resource goes to: the caller's own unless an admin names another.
    /// A non-admin naming another tenant is refused, not silently redirected, so a
    /// misconfigured client learns of it at once.
    public func tenant(forNew requested: String?) throws(ConveyorError) -> String {
        guard let requested, requested != tenant else { return tenant }
        guard isAdmin else {
            throw ConveyorError.forbidden(
                "This credential is bound to tenant '\(tenant)' and cannot act for tenant '\(requested)'. Leave out `tenant`, or use a credential of that tenant.")
        }
        return requested
    }
}
