import Foundation
import Testing

/// The conformance suite calls every requirement of every store protocol directly, so a
/// method a driver implements cannot ship untested on one of the stores.
///
/// It reads the protocols from the sources rather than from a list, so a requirement the
/// lead adds, or a protocol moved to another file, is checked without anyone touching
/// this test.
@Suite("Conformance coverage")
struct ConformanceCoverageTests {
    /// `Tests/ConveyorTests/Conformance`.
    static let conformanceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    /// `Sources/ConveyorCore`.
    static let coreDirectory = conformanceDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/ConveyorCore")

    @Test func everyStoreRequirementIsCalledByTheConformanceSuite() throws {
        let requirements = try StoreRequirement.all(in: Self.coreDirectory)
        let protocols = Set(requirements.map(\.protocolName))
        // Guards against a path that finds nothing and so passes with nothing checked.
        #expect(protocols.isSuperset(of: ["JobStore", "ScheduleStore", "WebhookStore", "SecretStore", "CredentialStore"]), "\(protocols.sorted())")
        #expect(requirements.count >= 80, "found only \(requirements.count) store requirements")

        let calls = try Self.swiftFiles(in: Self.conformanceDirectory)
            .filter { $0.lastPathComponent != "ConformanceCoverageTests.swift" }
            .map { try SwiftSource.code(of: String(contentsOf: $0, encoding: .utf8)) }
            .joined(separator: "\n")
        let missing = try requirements.filter { try !$0.isCalled(in: calls) }
        #expect(
            missing.isEmpty,
            """
            No file under Tests/ConveyorTests/Conformance calls these store requirements directly:
            \(missing.map { "  \($0.protocolName).\($0.signature) (\($0.file))" }.joined(separator: "\n"))
            """)
    }

    /// The parser itself: requirements with their first label, overloads kept apart,
    /// comments and strings ignored, a protocol's extension not counted.
    @Test func findsRequirementsByNameAndFirstLabel() throws {
        let source = """
            /// protocol FakeStore { func inAComment() }
            public protocol FakeStore: Sendable {
                // func commentedOut()
                func key(id: String) async throws -> Int?
                func key(hash: String) async throws -> Int?
                func insert(_ items: [Int]) async throws
                @discardableResult
                func record(
                    deliveryID: String, now: Date
                ) async throws -> Bool
                func generic<T: Sendable>(_ value: T) -> String
            }
            extension FakeStore { func helper() { let s = "}" ; _ = s } }
            protocol NotAStoreProtocol { func ignored() }
            """
        let found = try StoreRequirement.parse(source, file: "Fake.swift")
        #expect(found.map(\.signature) == ["key(id:)", "key(hash:)", "insert(_:)", "record(deliveryID:)", "generic(_:)"])
        let calls = try SwiftSource.code(of: "store.key(id: 1); store.insert([1]); // store.generic(2)\n store.record(\n deliveryID: x)")
        #expect(try found.filter { try $0.isCalled(in: calls) }.map(\.signature) == ["key(id:)", "insert(_:)", "record(deliveryID:)"])
    }

    static func swiftFiles(in directory: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }.sorted { $0.path < $1.path }
    }
}

/// One `func` requirement of a store protocol, named by its base name and first label,
/// which is what tells `apiKey(id:)` from `apiKey(hash:)`.
struct StoreRequirement: Hashable {
    var protocolName: String
    var name: String
    /// The first argument label; nil for `_` or no arguments.
    var firstLabel: String?
    var file: String

    var signature: String { "\(name)(\(firstLabel.map { "\($0):" } ?? (hasArguments ? "_:" : "")))" }
    var hasArguments: Bool

    /// Every requirement of every protocol in `directory` whose name holds `Store` as a
    /// word part (`JobStore`, `CredentialStore`, `StoreLifecycle`, `StoreDiagnostics`).
    static func all(in directory: URL) throws -> [StoreRequirement] {
        try ConformanceCoverageTests.swiftFiles(in: directory).flatMap { url in
            try parse(String(contentsOf: url, encoding: .utf8), file: url.lastPathComponent)
        }
    }

    static func parse(_ text: String, file: String) throws -> [StoreRequirement] {
        let code = SwiftSource.code(of: text)
        let header = try Regex(#"\bprotocol\s+(\w*Store|Store\w+)\b[^{]*\{"#)
        let function = try Regex(#"\bfunc\s+(\w+)\s*(?:<[^>]*>)?\s*\(\s*(\w+)?"#)
        var found: [StoreRequirement] = []
        for match in code.matches(of: header) {
            guard let name = match.output[1].substring.map(String.init) else { continue }
            let body = SwiftSource.body(in: code, from: match.range.upperBound)
            for f in body.matches(of: function) {
                let label = f.output[2].substring.map(String.init)
                found.append(
                    StoreRequirement(
                        protocolName: name, name: String(f.output[1].substring ?? ""), firstLabel: label == "_" ? nil : label,
                        file: file, hasArguments: label != nil))
            }
        }
        return found
    }

    /// Whether `code` calls it as a member: `.name(` with the first label when it has one.
    func isCalled(in code: String) throws -> Bool {
        let label = firstLabel.map { #"\s*"# + $0 + #"\s*:"# } ?? ""
        return code.contains(try Regex(#"\."# + name + #"\s*\("# + label))
    }
}

/// Just enough of Swift's lexical structure to read declarations and calls: comments
/// dropped and string literals emptied, so neither can fake a brace or a call.
enum SwiftSource {
    static func code(of text: String) -> String {
        var out = ""
        let chars = Array(text)
        var i = 0
        func at(_ s: String, _ j: Int) -> Bool {
            let pattern = Array(s)
            return j + pattern.count <= chars.count && Array(chars[j..<j + pattern.count]) == pattern
        }
        while i < chars.count {
            if at("//", i) {
                while i < chars.count && chars[i] != "\n" { i += 1 }
            } else if at("/*", i) {
                var depth = 0
                repeat {
                    if at("/*", i) {
                        depth += 1
                        i += 2
                    } else if at("*/", i) {
                        depth -= 1
                        i += 2
                    } else {
                        i += 1
                    }
                } while depth > 0 && i < chars.count
            } else if at("\"\"\"", i) || at("#\"\"\"", i) {
                let close = chars[i] == "#" ? "\"\"\"#" : "\"\"\""
                i += close.count
                while i < chars.count && !at(close, i) { i += 1 }
                i += close.count
                out += "\"\""
            } else if chars[i] == "\"" || at("#\"", i) {
                let raw = chars[i] == "#"
                i += raw ? 2 : 1
                while i < chars.count {
                    if !raw && chars[i] == "\\" {
                        i += 2
                    } else if chars[i] == "\"" && (!raw || at("\"#", i)) {
                        i += raw ? 2 : 1
                        break
                    } else {
                        i += 1
                    }
                }
                out += "\"\""
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }

    /// The text from `start` (just after an opening brace) to its matching closing brace.
    static func body(in code: String, from start: String.Index) -> Substring {
        var depth = 1
        var index = start
        while index < code.endIndex {
            switch code[index] {
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { return code[start..<index] }
            default: break
            }
            index = code.index(after: index)
        }
        return code[start...]
    }
}
