extension HTTPJob {
    /// The result of a successful `http` job, kept as the job's `result`.
    public struct Response: Codable, Sendable, Hashable {
        public var status: Int
        /// The start of the response body (``HTTPJob/excerptLimit`` bytes), decoded as
        /// UTF-8 with invalid bytes replaced.
        public var bodyExcerpt: String
        public var contentType: String?

        enum CodingKeys: String, CodingKey {
            case status
            case bodyExcerpt = "body_excerpt"
            case contentType = "content_type"
        }

        public init(status: Int, bodyExcerpt: String, contentType: String?) {
            self.status = status
            self.bodyExcerpt = bodyExcerpt
            self.contentType = contentType
        }

        public func encode(to encoder: Encoder) throws {
            // Explicit so `content_type` appears as null: readers can rely on every key.
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(status, forKey: .status)
            try c.encode(bodyExcerpt, forKey: .bodyExcerpt)
            try c.encode(contentType, forKey: .contentType)
        }
    }
}
