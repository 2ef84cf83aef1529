import Foundation

/// A workflow built in Swift, submitted with ``Conveyor/submit(_:as:)`` or
/// `ConveyorClient.submitWorkflow(_:)`. It becomes the same ``WorkflowRequest`` that
/// `POST /v1/workflows` takes, so it is validated the same way.
///
/// ```swift
/// let ingest = Workflow("ingest", onFailure: .continue) {
///     Step("fetch", FetchJob.self, FetchJob.Payload(url: url))
///     Step("parse", ParseJob.self, dependsOn: "fetch")
///     Step("index", IndexJob.self, dependsOn: "parse") { $0.maxAttempts = 5 }
/// }
/// try await conveyor.submit(ingest)
/// ```
public struct Workflow: Sendable {
    public var name: String
    public var onFailure: WorkflowFailurePolicy
    /// Nil: the caller's tenant.
    public var tenant: String?
    public var steps: [Step]

    public init(
        _ name: String, onFailure: WorkflowFailurePolicy = .failFast, tenant: String? = nil,
        @WorkflowBuilder steps: () -> [Step]
    ) {
        self.name = name
        self.onFailure = onFailure
        self.tenant = tenant
        self.steps = steps()
    }

    /// The request `POST /v1/workflows` takes. Throws if a step's payload did not encode.
    public func request() throws -> WorkflowRequest {
        WorkflowRequest(name: name, tenant: tenant, steps: try steps.map { try $0.request.get() }, onFailure: onFailure)
    }
}

/// One step of a ``Workflow``: a job of a registered handler type. Its job's payload gets
/// `inputs`, the results of the steps in `dependsOn`, by key.
public struct Step: Sendable {
    let request: Result<WorkflowStepRequest, PayloadEncodingError>

    public init<H: JobHandler>(
        _ key: String, _ handler: H.Type, _ payload: some Encodable & Sendable, dependsOn: String...,
        configure: (inout WorkflowStepRequest) -> Void = { _ in }
    ) {
        self.init(key: key, type: H.type, payload: payload, dependsOn: dependsOn, configure: configure)
    }

    /// A step whose job needs no payload of its own (its inputs still arrive).
    public init<H: JobHandler>(
        _ key: String, _ handler: H.Type, dependsOn: String..., configure: (inout WorkflowStepRequest) -> Void = { _ in }
    ) {
        self.init(key: key, type: H.type, payload: JSONValue.object([:]), dependsOn: dependsOn, configure: configure)
    }

    /// A step of a type given by name, for handlers this process does not link.
    public init(
        key: String, type: String, payload: some Encodable & Sendable, dependsOn: [String] = [],
        configure: (inout WorkflowStepRequest) -> Void = { _ in }
    ) {
        do {
            let json = try ConveyorJSON.decode(JSONValue.self, from: ConveyorJSON.encode(payload))
            var step = WorkflowStepRequest(key: key, type: type, payload: json, dependsOn: dependsOn)
            configure(&step)
            request = .success(step)
        } catch {
            request = .failure(PayloadEncodingError(step: key, message: "\(error)"))
        }
    }

    /// A step's payload could not be encoded as JSON.
    public struct PayloadEncodingError: Error, Sendable, CustomStringConvertible {
        public var step: String
        public var message: String
        public var description: String { "the payload of step '\(step)' does not encode as JSON: \(message)" }
    }
}

/// Collects the steps written in a ``Workflow``'s closure, with `if`, `for` and optional steps.
@resultBuilder
public enum WorkflowBuilder {
    public static func buildExpression(_ step: Step) -> [Step] { [step] }
    public static func buildExpression(_ steps: [Step]) -> [Step] { steps }
    public static func buildBlock(_ parts: [Step]...) -> [Step] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [Step]?) -> [Step] { part ?? [] }
    public static func buildEither(first: [Step]) -> [Step] { first }
    public static func buildEither(second: [Step]) -> [Step] { second }
    public static func buildArray(_ parts: [[Step]]) -> [Step] { parts.flatMap { $0 } }
}
