import Foundation

/// Checks a ``WorkflowRequest`` and turns it into a ``NewWorkflow``. Every problem is
/// reported at once, each naming its field (`steps[2].depends_on[0]`), so a client fixes
/// a DAG in one round trip.
struct WorkflowValidator {
    static let maxSteps = 1000

    let types: JobTypeCatalog

    func validate(_ request: WorkflowRequest, tenant: String, createdBy: String?, now: Date) throws(ConveyorError) -> NewWorkflow {
        var failures: [ValidationFailure] = []
        if request.name.isEmpty || request.name.utf8.count > 200 {
            failures.append(ValidationFailure("name", "must be 1–200 bytes"))
        }
        if request.steps.isEmpty {
            failures.append(ValidationFailure("steps", "must contain at least one step"))
        } else if request.steps.count > Self.maxSteps {
            failures.append(ValidationFailure("steps", "has \(request.steps.count) steps; at most \(Self.maxSteps) are accepted"))
        }

        // Keys first: dependencies are checked against them.
        var firstIndex: [String: Int] = [:]
        for (i, step) in request.steps.enumerated() {
            if !EnqueueRequest.isValidName(step.key) {
                failures.append(
                    ValidationFailure("steps[\(i)].key", "must be 1–100 characters of letters, digits, '_', '-', '.' or ':'"))
            }
            if let first = firstIndex[step.key] {
                failures.append(ValidationFailure("steps[\(i)].key", "duplicate key '\(step.key)'; steps[\(first)] has it already"))
            } else {
                firstIndex[step.key] = i
            }
        }

        var specs: [(key: String, spec: WorkflowStepSpec)] = []
        var dependencyFailures = false
        for (i, step) in request.steps.enumerated() {
            let field = "steps[\(i)]"
            let dependsOn = step.dependsOn ?? []
            var seen: Set<String> = []
            for (j, dependency) in dependsOn.enumerated() {
                if firstIndex[dependency] == nil {
                    dependencyFailures = true
                    failures.append(
                        ValidationFailure(
                            "\(field).depends_on[\(j)]",
                            "unknown step '\(dependency)'; steps are: \(request.steps.map(\.key).joined(separator: ", "))"))
                } else if !seen.insert(dependency).inserted {
                    failures.append(ValidationFailure("\(field).depends_on[\(j)]", "'\(dependency)' is listed twice"))
                }
            }
            guard let type = types.entry(step.type) else {
                failures.append(types.unknown(step.type, field: "\(field).type"))
                continue
            }
            if let payload = step.payload, payload.objectValue == nil {
                failures.append(ValidationFailure("\(field).payload", "must be a JSON object (the step's `inputs` go into it)"))
                continue
            }
            do throws(ConveyorError) {
                var job = try step.enqueueRequest.resolve(defaults: type.defaults, now: now)
                // Dependents get their inputs at run time; check the payload as they will see it.
                if !dependsOn.isEmpty { job.payload = Self.payload(job.payload, inputs: [:]) }
                let payloadFailures = type.check(job.payload)
                if !payloadFailures.isEmpty { throw .invalid(payloadFailures) }
                specs.append(
                    (
                        step.key,
                        WorkflowStepSpec(
                            type: job.type, queue: job.queue, priority: job.priority, payload: step.payload ?? .object([:]),
                            dependsOn: dependsOn, maxAttempts: job.maxAttempts, backoff: job.backoff,
                            timeoutSeconds: job.timeoutSeconds, tags: job.tags, metadata: job.metadata)
                    ))
            } catch {
                failures += error.failures.map { $0.nested(under: field) }
            }
        }
        // A cycle is only meaningful once every dependency names a step.
        if !dependencyFailures, firstIndex.count == request.steps.count, let cycle = Self.cycle(in: request) {
            failures.append(cycle)
        }
        guard failures.isEmpty else { throw .invalid(failures) }
        let record = WorkflowRecord(
            id: JobID.make(at: now), tenant: tenant, name: request.name, state: .running,
            onFailure: request.onFailure ?? .failFast, createdAt: now.truncatedToMilliseconds, finishedAt: nil,
            createdBy: createdBy)
        return NewWorkflow(record: record, steps: specs)
    }

    /// The payload a step's job runs with: its own, with `inputs` holding its dependencies' results.
    static func payload(_ payload: JSONValue, inputs: [String: JSONValue]) -> JSONValue {
        var object = payload.objectValue ?? [:]
        object["inputs"] = .object(inputs)
        return .object(object)
    }

    /// The first cycle found, reported on the dependency edge that closes it, naming its keys.
    static func cycle(in request: WorkflowRequest) -> ValidationFailure? {
        let index = Dictionary(uniqueKeysWithValues: request.steps.enumerated().map { ($1.key, $0) })
        // 0 unvisited, 1 on the current path, 2 done.
        var mark = Array(repeating: 0, count: request.steps.count)
        var path: [Int] = []

        func visit(_ i: Int) -> ValidationFailure? {
            mark[i] = 1
            path.append(i)
            for (j, dependency) in (request.steps[i].dependsOn ?? []).enumerated() {
                guard let d = index[dependency] else { continue }
                if mark[d] == 1 {
                    let start = path.firstIndex(of: d)!
                    let keys = path[start...].map { request.steps[$0].key } + [request.steps[d].key]
                    return ValidationFailure(
                        "steps[\(i)].depends_on[\(j)]",
                        "dependency cycle: \(keys.joined(separator: " → ")) (each step waits for the next); remove one of these dependencies")
                }
                if mark[d] == 0, let found = visit(d) { return found }
            }
            path.removeLast()
            mark[i] = 2
            return nil
        }
        for i in request.steps.indices where mark[i] == 0 {
            if let found = visit(i) { return found }
        }
        return nil
    }
}
