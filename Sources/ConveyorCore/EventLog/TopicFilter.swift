/// Which topics a reader wants: one exact topic (`job.failed`), a prefix wildcard
/// (`job.*` matches every topic starting `job.`), or `*` for everything.
public struct TopicFilter: Sendable, Hashable, CustomStringConvertible {
    public enum Match: Sendable, Hashable {
        case exact(String)
        /// The text before the `*`, dot included.
        case prefix(String)
    }

    public let match: Match

    /// Parses `job.*`, `*` or an exact topic. A `*` anywhere but at the end is not a
    /// wildcard this reader understands, so it is refused rather than matched literally.
    public init(_ pattern: String) throws(ConveyorError) {
        if pattern.hasSuffix("*") {
            let prefix = String(pattern.dropLast())
            guard !prefix.contains("*") else { throw Self.invalid(pattern) }
            match = .prefix(prefix)
        } else {
            guard !pattern.isEmpty, !pattern.contains("*") else { throw Self.invalid(pattern) }
            match = .exact(pattern)
        }
    }

    public func matches(_ topic: String) -> Bool {
        switch match {
        case .exact(let exact): topic == exact
        case .prefix(let prefix): topic.hasPrefix(prefix)
        }
    }

    public var description: String {
        switch match {
        case .exact(let exact): exact
        case .prefix(let prefix): prefix + "*"
        }
    }

    private static func invalid(_ pattern: String) -> ConveyorError {
        ConveyorError.invalid([
            ValidationFailure(
                "topic", "'\(pattern)' is not a topic filter; give a topic (job.failed), a prefix ending in * (job.*), or *")
        ])
    }
}
