import Foundation

/// Job types declared for remote workers, through the facade (`/v1/job-types`). Types are
/// shared by every tenant, like queues, so only a queue operator declares or removes one.
extension Conveyor {
    /// Declares (or re-declares) a type. A Swift handler registered under the same name
    /// keeps precedence here; the declaration serves nodes that lack that handler.
    public func putJobType(_ type: String, _ request: JobTypeRequest, as caller: Caller? = nil) async throws -> JobTypeInfo {
        try Self.checkQueueOperator(caller, acting: "declare job types for")
        try NULCharacters.check(request)
        if let named = request.type, named != type {
            throw ConveyorError.invalid([ValidationFailure("type", "'\(named)' differs from the type in the path, '\(type)'; leave it out")])
        }
        let declaration = try request.resolve(type: type, defaultQueue: nil, declaredBy: "api", now: clock.now())
        try await admitQueues([("queue", declaration.defaults.queue)])
        try await backend.jobTypes.putJobType(declaration)
        return JobTypeInfo(declaration)
    }

    /// Every declared type, by name.
    public func declaredJobTypes() async throws -> [JobTypeInfo] {
        try await backend.jobTypes.allJobTypes().map(JobTypeInfo.init)
    }

    public func deleteJobType(_ type: String, as caller: Caller? = nil) async throws {
        try Self.checkQueueOperator(caller, acting: "remove job types of")
        guard try await backend.jobTypes.deleteJobType(type) else {
            throw ConveyorError(.notFound, "No job type '\(type)' is declared. List them with GET /v1/job-types.")
        }
    }

    /// What `GET /v1/config/job-options` shows: the Swift handlers' types and the declared
    /// ones (a handler's own defaults win where both exist).
    public func jobOptions(queues: [String]) async throws -> JobOptions {
        var options = registeredJobOptions(queues: queues)
        let registered = Set(options.jobTypes.map(\.type))
        let declared = try await backend.jobTypes.allJobTypes().filter { !registered.contains($0.type) }
        guard !declared.isEmpty else { return options }
        options.jobTypes = (options.jobTypes + declared.map { JobOptions.JobType(type: $0.type, defaults: $0.defaults) })
            .sorted { $0.type < $1.type }
        options.queues = Set(options.queues).union(declared.map(\.defaults.queue)).sorted()
        return options
    }
}
