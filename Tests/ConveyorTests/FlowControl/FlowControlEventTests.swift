import ConveyorCore
import Foundation
import Testing

/// The events both stores append for flow-control changes, built once in Core.
@Suite("Flow-control events") struct FlowControlEventTests {
    @Test func aPauseChangeAppendsOneEventAndNoChangeNone() throws {
        let paused = try #require(try QueuePauseChange.event(queue: "emails", was: false, paused: true))
        #expect(paused.type == "queue.paused" && paused.topic == "queue.paused")
        #expect(paused.key == "emails" && paused.tenant == Tenant.defaultID)
        #expect(try ConveyorJSON.decode(QueueEventData.self, from: Data(paused.data.utf8)) == QueueEventData(queue: "emails"))
        let resumed = try #require(try QueuePauseChange.event(queue: "emails", was: true, paused: false))
        #expect(resumed.type == "queue.resumed")
        #expect(try QueuePauseChange.event(queue: "emails", was: true, paused: true) == nil)
        #expect(try QueuePauseChange.event(queue: "emails", was: false, paused: false) == nil)
    }

    @Test func aCircuitEventIsKeyedByTypeAndTheKeyAsGiven() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let circuit = Circuit(
            type: "charge", key: ConcurrencyKey.stored(tenant: "acme", key: "card-1"), queue: "default", tenant: "acme",
            state: .open, failures: 3, threshold: 3, cooldownSeconds: 30, openedAt: now, retryAt: now + 30, probeJobID: nil,
            lastError: "boom", updatedAt: now)
        let event = try circuit.event(LogEvent.circuitOpened)
        #expect(event.type == "circuit.opened" && event.topic == event.type)
        #expect(event.key == "charge:card-1" && event.tenant == "acme")
        // The data shows the key as its tenant gave it, never the stored form.
        let data = try ConveyorJSON.decode(Circuit.self, from: Data(event.data.utf8))
        #expect(data.key == "card-1" && data.state == .open && data.failures == 3)
    }
}
