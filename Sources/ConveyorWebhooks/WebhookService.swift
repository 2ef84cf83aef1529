import ConveyorCore
import Foundation
import ServiceLifecycle

/// Outbound webhooks as one `Service`: the dispatcher (on the leader only) turns the
/// event log into deliveries, and the sender (on every node running this) sends them.
public final class WebhookService: Service {
    public let sender: WebhookSender
    public let dispatcher: WebhookDispatcher
    let elector: any LeaderElector

    public init(
        conveyor: Conveyor, settings: WebhookSettings, elector: any LeaderElector = SoleLeader(),
        owner: String = ConveyorEngine.defaultOwner(), pollInterval: Duration = .seconds(1)
    ) {
        let sender = WebhookSender(conveyor: conveyor, settings: settings, owner: owner, pollInterval: pollInterval)
        self.sender = sender
        self.dispatcher = WebhookDispatcher(
            conveyor: conveyor, pollInterval: pollInterval, retention: settings.deliveryRetention, onDispatched: { _ in sender.wake() })
        self.elector = elector
    }

    public func run() async throws {
        let (sender, dispatcher, elector, backend) = (sender, dispatcher, elector, dispatcher.conveyor.backend)
        await cancelWhenGracefulShutdown {
            // The engine migrates at start; wait for the schema rather than log failures meanwhile.
            while !Task.isCancelled, await !backend.lifecycle.isReady() { try? await Task.sleep(for: .milliseconds(200)) }
            await withDiscardingTaskGroup { group in
                group.addTask { await elector.whileLeader { await dispatcher.run() } }
                group.addTask { await sender.run() }
            }
        }
        try await sender.shutdown()
    }
}
