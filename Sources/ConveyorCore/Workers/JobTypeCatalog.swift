import Foundation

/// The job types a request may name: the Swift handlers registered in this process, and
/// the types declared for remote workers (``DeclaredJobType``), looked up once per request.
/// Enqueueing, workflows, schedules and triggers all check types through it, so a type a
/// remote worker runs is accepted everywhere a Swift one is.
struct JobTypeCatalog: Sendable {
    /// What a known type brings: its defaults, and how to check a payload.
    struct Entry: Sendable {
        var defaults: JobDefaults
        var handler: AnyJobHandler?
        var schema: JSONSchema?

        /// Problems with `payload` for this type: a Swift handler's decoding, or the
        /// declared JSON Schema. Fields are named under `payload`.
        func check(_ payload: JSONValue) -> [ValidationFailure] {
            if let handler { return handler.validate(payload).map { [$0] } ?? [] }
            return schema?.validate(payload, path: "payload") ?? []
        }
    }

    let registry: JobRegistry
    let declared: [String: DeclaredJobType]
    private let schemas: [String: JSONSchema]

    init(registry: JobRegistry, declared: [DeclaredJobType]) {
        self.registry = registry
        self.declared = Dictionary(declared.map { ($0.type, $0) }, uniquingKeysWith: { $1 })
        // Compiled once per request; stored schemas were checked when declared.
        self.schemas = declared.reduce(into: [:]) { schemas, type in
            if let schema = type.payloadSchema { schemas[type.type] = try? JSONSchema(schema, path: "payload_schema") }
        }
    }

    /// A registered Swift handler wins over a declaration of the same name.
    func entry(_ type: String) -> Entry? {
        if let handler = registry.handler(for: type) { return Entry(defaults: handler.defaults, handler: handler) }
        guard let declared = declared[type] else { return nil }
        return Entry(defaults: declared.defaults, schema: schemas[type])
    }

    /// The failure for a type nobody runs, saying how to make it known.
    func unknown(_ type: String, field: String) -> ValidationFailure {
        let known = (registry.types + declared.keys).sorted()
        return ValidationFailure(
            field,
            "unknown job type '\(type)'; known types: \(known.isEmpty ? "none" : known.joined(separator: ", ")). A type run outside Swift must be declared first: PUT /v1/job-types/\(type), or list it in a worker's registration (job_types)")
    }
}

extension Conveyor {
    /// The catalog for a request naming `types`: only declarations not shadowed by a Swift
    /// handler are read from the store, so a request of registered types costs no read.
    func jobTypeCatalog(naming types: some Sequence<String>) async throws -> JobTypeCatalog {
        let remote = Set(types.filter { registry.handler(for: $0) == nil })
        let declared = remote.isEmpty ? [] : try await backend.jobTypes.jobTypes(named: remote.sorted())
        return JobTypeCatalog(registry: registry, declared: declared)
    }
}
