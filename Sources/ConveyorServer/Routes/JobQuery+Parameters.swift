import ConveyorCore
import Hummingbird

extension JobQuery {
    static let parameterNames = ["queue", "state", "type", "tenant", "tag", "limit", "cursor"]

    /// Reads the query string of `GET /v1/jobs`, reporting every bad parameter at once.
    init(parameters: Parameters) throws(ConveyorError) {
        var reader = QueryReader(parameters, allowed: Self.parameterNames)
        let state: JobState? = reader.enumeration("state", kind: "state")
        let limit = reader.limit(default: 50)
        try reader.check()
        try ListCursor.checkID(reader.value("cursor"))
        self.init(
            queue: reader.value("queue"), state: state, type: reader.value("type"), tenant: reader.value("tenant"),
            tag: reader.value("tag"), limit: limit, cursor: reader.value("cursor"))
    }
}
