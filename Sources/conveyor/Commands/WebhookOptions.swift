import ArgumentParser
import ConveyorCore
import ConveyorWebhooks
import Foundation

/// Outbound webhook settings for `serve` and `worker`. Each flag has an environment variable; the flag wins.
struct WebhookOptions: ParsableArguments {
    @Option(
        name: .customLong("webhook-allow-host"),
        help: ArgumentHelp(
            "A host name or CIDR (10.0.0.0/8, ::1/128) webhooks may call although it is loopback, link-local or private. Repeat for more (env CONVEYOR_WEBHOOK_ALLOW_HOSTS, comma-separated; default: none).",
            valueName: "host-or-cidr"))
    var allowHosts: [String] = []

    @Option(help: "Delays before each webhook attempt, e.g. 0,5s,5m,30m,2h,5h,10h,10h (env CONVEYOR_WEBHOOK_RETRY_SCHEDULE; that is the default).")
    var webhookRetrySchedule: String?

    @Option(help: "Failed attempts in a row that disable a webhook endpoint (env CONVEYOR_WEBHOOK_DISABLE_AFTER; default 5).")
    var webhookDisableAfter: Int?

    @Option(help: "Hours a rotated-out webhook secret keeps signing (env CONVEYOR_WEBHOOK_ROTATION_OVERLAP_HOURS; default 24).")
    var webhookRotationOverlapHours: Double?

    @Option(help: "Seconds a webhook request may take to connect, and to answer (env CONVEYOR_WEBHOOK_TIMEOUT_SECONDS; default 5 and 15).")
    var webhookTimeoutSeconds: Double?

    @Flag(help: "Do not send webhooks from this process (env CONVEYOR_WEBHOOKS_DISABLED=1).")
    var noWebhooks = false

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    var enabled: Bool { !noWebhooks && environment["CONVEYOR_WEBHOOKS_DISABLED"] != "1" }

    /// The settings; dev mode (a loopback server without auth) also allows loopback targets.
    func settings(devMode: Bool) throws -> WebhookSettings {
        var settings = WebhookSettings()
        let hosts = allowHosts.isEmpty ? OutboundTargetPolicy.allowList(environment["CONVEYOR_WEBHOOK_ALLOW_HOSTS"] ?? "") : allowHosts
        settings.targets = OutboundTargetPolicy(allowHosts: hosts, allowLoopback: devMode, allowOption: "--webhook-allow-host")
        if let text = webhookRetrySchedule ?? environment["CONVEYOR_WEBHOOK_RETRY_SCHEDULE"] {
            guard let schedule = WebhookSettings.parseSchedule(text) else {
                throw ValidationError("Bad webhook retry schedule '\(text)'. Write delays separated by commas, e.g. 0,5s,5m,30m,2h.")
            }
            settings.retrySchedule = schedule
        }
        if let n = webhookDisableAfter ?? environment["CONVEYOR_WEBHOOK_DISABLE_AFTER"].flatMap(Int.init) {
            guard n > 0 else { throw ValidationError("--webhook-disable-after must be positive.") }
            settings.disableAfter = n
        }
        if let hours = webhookRotationOverlapHours ?? environment["CONVEYOR_WEBHOOK_ROTATION_OVERLAP_HOURS"].flatMap(Double.init) {
            guard hours >= 0 else { throw ValidationError("--webhook-rotation-overlap-hours must not be negative.") }
            settings.rotationOverlap = .milliseconds(Int64(hours * 3_600_000))
        }
        if let seconds = webhookTimeoutSeconds ?? environment["CONVEYOR_WEBHOOK_TIMEOUT_SECONDS"].flatMap(Double.init) {
            guard seconds > 0 else { throw ValidationError("--webhook-timeout-seconds must be positive.") }
            settings.connectTimeout = .milliseconds(Int64(seconds * 1000))
            settings.responseTimeout = .milliseconds(Int64(seconds * 1000))
        }
        return settings
    }
}

extension Runtime {
    /// The webhook dispatcher (on one node: the `webhooks` leader role on PostgreSQL) and sender.
    func webhookService(settings: WebhookSettings) -> WebhookService {
        let owner = ConveyorEngine.defaultOwner()
        let elector = conveyor.backend.elector(holder: owner, role: "webhooks")
        return WebhookService(conveyor: conveyor, settings: settings, elector: elector, owner: owner)
    }
}
