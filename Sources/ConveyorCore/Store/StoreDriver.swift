/// Everything a persistence driver implements: one protocol per feature, each small
/// enough to read at a glance. `ConveyorSQLite` and `ConveyorPostgres` implement all of
/// them on one object and pass the conformance suite in `Tests/ConveyorTests/Conformance`.
///
/// Nothing outside a driver holds a `StoreDriver`: a driver hands out a ``Backend``, and
/// each consumer takes only the feature store it uses (the worker a ``JobClaimStore``,
/// the webhook sender a ``WebhookStore``).
public typealias StoreDriver = JobStore & JobClaimStore & JobMaintenanceStore & EventLogStore & EventBusStore
    & TriggerStore & WorkflowStore & WebhookStore & ScheduleStore & FlowControlStore & InboundStore & SecretStore
    & StoreDiagnostics & StoreLifecycle & WorkerRegistryStore & JobTypeStore
