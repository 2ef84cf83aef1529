import ServiceLifecycle

/// What a driver provides, bundled: its feature stores, credentials, the notifier that
/// wakes workers across processes, leader election, and the long-running services they
/// need. `SQLiteBackend` and `PostgresBackend` make one; ``Conveyor`` and the services
/// take the parts they use, so nothing outside a driver names a concrete store type.
public struct Backend: Sendable {
    public let jobs: any JobStore
    /// Settable so a tool can wrap the hot path (`conveyor bench` times every call).
    public var claims: any JobClaimStore
    public let maintenance: any JobMaintenanceStore
    public let events: any EventLogStore
    public let eventBus: any EventBusStore
    public let triggers: any TriggerStore
    public let workflows: any WorkflowStore
    public let webhooks: any WebhookStore
    public let schedules: any ScheduleStore
    public let flowControl: any FlowControlStore
    public let inbound: any InboundStore
    public let secrets: any SecretStore
    public let workers: any WorkerRegistryStore
    public let jobTypes: any JobTypeStore
    public let diagnostics: any StoreDiagnostics
    public let lifecycle: any StoreLifecycle
    /// Tenants and API keys; nil when the deployment keeps none (then no tenant has limits).
    public let credentials: (any CredentialStore)?
    public let notifier: any Notifier
    /// Long-running parts (a connection pool, a LISTEN loop) that must run before and
    /// stop after everything that uses the stores.
    public let services: [any Service]
    private let makeElector: @Sendable (_ holder: String, _ role: String) -> any LeaderElector

    /// Bundles one driver object that implements every feature store.
    ///
    /// - Parameter elector: the leader election for a holder and a role (`maintenance`,
    ///   `webhooks`); a single embedded node leads alone.
    public init(
        driver: any StoreDriver, credentials: (any CredentialStore)? = nil, notifier: any Notifier = LocalNotifier(),
        services: [any Service] = [],
        elector: @escaping @Sendable (_ holder: String, _ role: String) -> any LeaderElector = { _, _ in SoleLeader() }
    ) {
        jobs = driver
        claims = driver
        maintenance = driver
        events = driver
        eventBus = driver
        triggers = driver
        workflows = driver
        webhooks = driver
        schedules = driver
        flowControl = driver
        inbound = driver
        secrets = driver
        workers = driver
        jobTypes = driver
        diagnostics = driver
        lifecycle = driver
        self.credentials = credentials
        self.notifier = notifier
        self.services = services
        self.makeElector = elector
    }

    /// The leader election `holder` takes part in for `role`.
    public func elector(holder: String, role: String) -> any LeaderElector {
        makeElector(holder, role)
    }

    /// Runs `body` with the backend's services running, for one-shot commands.
    public func withServices<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard !services.isEmpty else { return try await body() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            for service in services { group.addTask { try await service.run(); return nil } }
            let result = try await body()
            group.cancelAll()
            return result
        }
    }
}
