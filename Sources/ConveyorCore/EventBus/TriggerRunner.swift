import Foundation
import Logging
import ServiceLifecycle

/// Runs every trigger as a durable consumer group (`trigger:<id>`): a `Service` for each
/// node. Triggers created or deleted anywhere are picked up within ``refreshInterval``;
/// with several nodes each trigger's group lease lets one node deliver at a time.
///
/// A delivered event becomes a job enqueued with the idempotency key
/// `trigger:<trigger id>:<event id>`, so an event delivered twice (at-least-once) still
/// makes one job. See ``TriggerLoopGuard`` for how triggers on job events avoid loops.
public final class TriggerRunner: Service {
    let conveyor: Conveyor
    let configured: [ConfiguredTrigger]
    let options: ConsumerOptions
    let refreshInterval: Duration

    /// - Parameters:
    ///   - configured: Triggers from the configuration; created when missing, and config
    ///     triggers no longer listed are deleted. Each is validated here.
    ///   - options: How each trigger's group delivers (attempts, backoff, lease); the
    ///     owner is made unique per trigger.
    public init(
        conveyor: Conveyor, configured: [ConfiguredTrigger] = [], options: ConsumerOptions = .init(),
        refreshInterval: Duration = .seconds(2)
    ) throws {
        for trigger in configured {
            try conveyor.validateTrigger(
                topic: trigger.topic, job: TriggerJob(type: trigger.jobType), tenant: trigger.tenant, types: conveyor.registeredTypes)
        }
        self.conveyor = conveyor
        self.configured = configured
        self.options = options
        self.refreshInterval = refreshInterval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.refreshUntilCancelled() }
    }

    /// Starts a consumer for each trigger and stops those of deleted triggers, again
    /// every ``refreshInterval``; at the end stops them all and waits for them.
    private func refreshUntilCancelled() async {
        var running: [String: (trigger: Trigger, task: Task<Void, any Error>)] = [:]
        var synced = false
        // Nothing reads the schema before it is migrated (by this node's engine or another's).
        while !Task.isCancelled, await !conveyor.backend.lifecycle.isReady() {
            try? await Task.sleep(for: .milliseconds(100))
        }
        while !Task.isCancelled {
            do {
                if !synced {
                    try await syncConfigured()
                    synced = true
                }
                let triggers = try await conveyor.backend.triggers.triggers()
                let wanted = Dictionary(uniqueKeysWithValues: triggers.map { ($0.id, $0) })
                for (id, entry) in running where wanted[id] != entry.trigger {
                    entry.task.cancel()
                    running[id] = nil
                }
                for trigger in triggers where running[trigger.id] == nil {
                    let consumer = try consumer(for: trigger)
                    running[trigger.id] = (trigger, Task { try await consumer.run() })
                }
            } catch {
                conveyor.logger.loopFailure("refreshing the triggers failed; retrying", error: error)
            }
            try? await Task.sleep(for: refreshInterval)
        }
        for entry in running.values { entry.task.cancel() }
        for entry in running.values { _ = try? await entry.task.value }
    }

    /// The consumer that turns the trigger's events into jobs.
    func consumer(for trigger: Trigger) throws -> EventConsumer {
        var options = self.options
        options.tenant = trigger.tenant
        options.start = .latest
        options.owner = "\(self.options.owner)/\(trigger.id)"
        let conveyor = self.conveyor
        return EventConsumer(
            conveyor: conveyor, group: trigger.group, topic: try TopicFilter(trigger.topic), options: options
        ) { event in
            if let reason = TriggerLoopGuard.skipReason(event, trigger: trigger) {
                conveyor.logger.debug("trigger skipped an event", metadata: ["trigger": "\(trigger.id)", "event": "\(event.id)", "reason": "\(reason)"])
                return
            }
            let request = trigger.job.request(for: event, trigger: trigger, depth: TriggerLoopGuard.depth(of: event) + 1)
            do {
                _ = try await conveyor.enqueue([request])
            } catch let error as ConveyorError where error.code == .validation {
                // The job type refuses this payload: another attempt would too.
                throw DeadLetterNow("job type '\(trigger.job.type)' does not accept the event as its payload: \(error.message)")
            }
        }
    }

    /// Creates the configured triggers that are missing; deletes config triggers that the
    /// configuration no longer lists.
    private func syncConfigured() async throws {
        let backend = conveyor.backend
        let ids = Set(configured.map(\.id))
        for trigger in try await backend.triggers.triggers() where trigger.source == "config" && !ids.contains(trigger.id) {
            _ = try await backend.triggers.deleteTrigger(id: trigger.id)
            conveyor.logger.notice("config trigger removed", metadata: ["trigger": "\(trigger.id)", "topic": "\(trigger.topic)"])
        }
        for spec in configured {
            let (trigger, created) = try await backend.triggers.createTrigger(spec.trigger(at: conveyor.clock.now()))
            if created {
                conveyor.logger.notice(
                    "config trigger created", metadata: ["trigger": "\(trigger.id)", "topic": "\(trigger.topic)", "job_type": "\(trigger.job.type)"])
            }
        }
    }
}
