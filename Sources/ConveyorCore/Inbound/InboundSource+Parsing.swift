import Foundation

extension InboundSource {
    /// Parses a `--inbound-source` flag:
    /// `NAME=SCHEME:SECRET_ENV_VAR[,header=H,encoding=hex|base64,prefix=P,id-header=H,timestamp-header=H,tolerance=SECONDS,tenant=T]`.
    ///
    /// The secret is read from the environment variable named, never from the command
    /// line, where `ps` and shell history would show it.
    public init(parsing spec: String, environment: [String: String]) throws(ConveyorError) {
        func invalid(_ message: String) -> ConveyorError {
            .invalid([ValidationFailure("inbound-source", "'\(spec)': \(message)")])
        }
        let example = "e.g. github=hmac-sha256:GITHUB_WEBHOOK_SECRET,header=x-hub-signature-256,prefix=sha256=,id-header=x-github-delivery"
        let nameAndRest = spec.split(separator: "=", maxSplits: 1).map(String.init)
        guard nameAndRest.count == 2 else { throw invalid("is not NAME=SCHEME:SECRET_ENV_VAR[,option=value...], \(example)") }
        let name = nameAndRest[0].trimmingCharacters(in: .whitespaces)
        var items = nameAndRest[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let head = items.removeFirst().split(separator: ":", maxSplits: 1).map(String.init)
        guard head.count == 2, let scheme = InboundScheme(rawValue: head[0]) else {
            let schemes = InboundScheme.allCases.map(\.rawValue).joined(separator: ", ")
            throw invalid("the scheme must be one of \(schemes), followed by ':' and an environment variable, \(example)")
        }
        let variable = head[1]
        guard let secret = environment[variable], !secret.isEmpty else {
            throw invalid("environment variable \(variable) (the secret) is not set or empty")
        }
        var source = InboundSource(name: name, scheme: scheme, secret: secret, origin: "config")
        for item in items {
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { throw invalid("option '\(item)' is not option=value") }
            let value = pair[1]
            switch pair[0].trimmingCharacters(in: .whitespaces) {
            case "header": source.signatureHeader = value.lowercased()
            case "encoding":
                guard let encoding = InboundEncoding(rawValue: value) else { throw invalid("encoding must be hex or base64") }
                source.encoding = encoding
            case "prefix": source.prefix = value
            case "id-header": source.idHeader = value.lowercased()
            case "timestamp-header": source.timestampHeader = value.lowercased()
            case "tolerance":
                guard let seconds = Int(value) else { throw invalid("tolerance must be whole seconds") }
                source.toleranceSeconds = seconds
            case "tenant": source.tenant = value
            default:
                throw invalid("unknown option '\(pair[0])'; use header, encoding, prefix, id-header, timestamp-header, tolerance or tenant")
            }
        }
        let failures = source.problems
        guard failures.isEmpty else {
            throw invalid(failures.map { "\($0.field) \($0.message)" }.joined(separator: "; "))
        }
        self = source
    }
}
