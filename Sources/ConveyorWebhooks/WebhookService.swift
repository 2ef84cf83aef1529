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
        self.dispatcher = WebhookDispatcher(conveyor: conveyor, pollInterval: pollInterval, onDispatched: { _ in sender.wake() })
        self.elector = elector
    }

    public func run() async throws {
        let (sender, dispatcher, elector) = (sender, dispatcher, elector)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await elector.whileLeader { await dispatcher.run() } }
                group.addTask { await sender.run() }
            }
        }
        try await sender.shutdown()
    }
}
