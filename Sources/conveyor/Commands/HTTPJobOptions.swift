import ArgumentParser
import ConveyorCore
import Foundation

/// Where the `http` job may send requests, for `serve` and `worker`.
struct HTTPJobOptions: ParsableArguments {
    @Option(
        name: .customLong("http-allow-host"),
        help: ArgumentHelp(
            "A host name or CIDR (10.0.0.0/8, fd00::/8) http jobs may call although it is loopback, link-local or private, e.g. an in-cluster service. Repeat for more (env CONVEYOR_HTTP_ALLOW_HOSTS, comma-separated; default: none, but dev mode allows loopback).",
            valueName: "host-or-cidr"))
    var allowHosts: [String] = []

    /// The policy for `http` jobs. Dev mode (a loopback server without auth) also allows
    /// loopback targets, so the quick start can call a receiver on the same machine.
    func policy(devMode: Bool) -> OutboundTargetPolicy {
        let environment = ProcessInfo.processInfo.environment
        let hosts = allowHosts.isEmpty ? OutboundTargetPolicy.allowList(environment["CONVEYOR_HTTP_ALLOW_HOSTS"] ?? "") : allowHosts
        return OutboundTargetPolicy(allowHosts: hosts, allowLoopback: devMode, allowOption: "--http-allow-host")
    }
}
