import ArgumentParser
import ConveyorClient
import ConveyorCore

/// `conveyor enqueue TYPE --payload JSON ...`: enqueues one job through the API.
struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue", abstract: "Enqueue a job and print it as JSON.",
        discussion: """
            Example:
              conveyor enqueue http --payload '{"url":"https://example.com/hook","body":{"id":42}}'
            """)

    @OptionGroup var client: ClientOptions

    @Argument(help: "The job type, e.g. http.")
    var type: String

    @Option(help: "The payload, as JSON.")
    var payload: String?

    @Option(help: "The queue; the type's default when left out.")
    var queue: String?

    @Option(help: "Higher runs first.")
    var priority: Int?

    @Option(help: "Seconds to wait before the job may run.")
    var delay: Double?

    @Option(help: "Attempts before the job fails for good.")
    var maxAttempts: Int?

    @Option(help: "A key that makes enqueueing the same job twice return the first one.")
    var idempotencyKey: String?

    @Option(name: .customLong("tag"), help: "A tag; repeat for several.")
    var tags: [String] = []

    @Option(help: "The tenant that owns the job.")
    var tenant: String?

    @Option(help: "Metadata, as a JSON object.")
    var metadata: String?

    mutating func validate() throws {
        _ = try request()
    }

    func run() async throws {
        let request = try request()
        try await client.withClient { client in
            let (job, _) = try await client.enqueue(request)
            try printJSON(job)
        }
    }

    /// The API request these options describe; a ValidationError when a JSON option is not JSON.
    func request() throws -> EnqueueRequest {
        let metadata = try metadata.map { try parseJSONOption($0, option: "--metadata") }
        if let metadata, metadata.objectValue == nil {
            throw ValidationError("--metadata must be a JSON object, e.g. --metadata '{\"source\":\"cli\"}'")
        }
        return EnqueueRequest(
            type: type, queue: queue, payload: try payload.map { try parseJSONOption($0, option: "--payload") },
            priority: priority, delaySeconds: delay, maxAttempts: maxAttempts, idempotencyKey: idempotencyKey,
            tags: tags.isEmpty ? nil : tags, tenant: tenant, metadata: metadata)
    }
}
