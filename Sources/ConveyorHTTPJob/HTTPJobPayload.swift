import ConveyorCore
import Foundation

extension HTTPJob {
    /// The request an `http` job sends:
    ///
    /// ```json
    /// {"url": "https://example.com/hook", "method": "POST",
    ///  "headers": {"authorization": "Bearer ..."}, "body": {"any": "JSON"}}
    /// ```
    ///
    /// `method` defaults to POST. Give `body` (any JSON, sent as `application/json`) or
    /// `body_base64` (raw bytes, sent as `application/octet-stream`), not both; a
    /// `content-type` header overrides either default.
    ///
    /// `follow_redirects: true` follows up to 5 redirects, each hop checked by the target
    /// policy like the first; without it a 3xx fails the attempt.
    ///
    /// `pause_key_on_429: true` makes a 429 pause the job's whole concurrency key in its
    /// queue until the `Retry-After` time, not just this job (docs/flow-control.md).
    ///
    /// Decoding validates everything that can be checked before sending, and Core decodes
    /// payloads at enqueue time, so a bad payload is a 422 then rather than a failed job later.
    public struct Payload: Codable, Sendable, Hashable {
        public enum Body: Sendable, Hashable {
            case json(JSONValue)
            case bytes(Data)
        }

        public var url: String
        /// Upper case, e.g. `POST`.
        public var method: String
        public var headers: [String: String]
        /// Headers whose value is one of the tenant's named secrets (header → secret name),
        /// written `{"secret": "NAME"}` and resolved at send time, so the value is never stored.
        public var secretHeaders: [String: String] = [:]
        /// Sensitive header values sealed at enqueue (header → sealed value); the header
        /// itself is stored as ``SensitiveHeaders/redacted`` (HTTPJob+Secrets.swift).
        public var sealedHeaders: [String: String] = [:]
        public var body: Body?
        /// On a 429, also hold every job of the same queue and concurrency key until the
        /// upstream's `Retry-After` time.
        public var pauseKeyOn429: Bool
        /// Follow redirects (at most ``OutboundHTTPClient/maxRedirects``), checking each hop.
        public var followRedirects: Bool

        public init(
            url: String, method: String = "POST", headers: [String: String] = [:], body: Body? = nil, pauseKeyOn429: Bool = false,
            followRedirects: Bool = false
        ) {
            self.followRedirects = followRedirects
            self.url = url
            self.method = method
            self.headers = headers
            self.body = body
            self.pauseKeyOn429 = pauseKeyOn429
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case url, method, headers, body
            case sealedHeaders = "sealed_headers"
            case bodyBase64 = "body_base64"
            case pauseKeyOn429 = "pause_key_on_429"
            case followRedirects = "follow_redirects"
        }

        /// Headers Conveyor sets itself: the body decides its framing, and the job headers
        /// must be trustworthy for the receiver to deduplicate on.
        static let reservedHeaders: Set<String> = [
            "content-length", "transfer-encoding", "x-conveyor-job-id", "x-conveyor-attempt",
            "webhook-id", "webhook-timestamp", "webhook-signature",
        ]

        public init(from decoder: Decoder) throws {
            // `inputs` is what a workflow step's job receives from its dependencies; an http
            // step sends its own body and ignores it, so it can run anywhere in a DAG.
            try UnknownKeys.reject(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue) + ["inputs"])
            let c = try decoder.container(keyedBy: CodingKeys.self)

            url = try c.decode(String.self, forKey: .url)
            guard Self.isHTTPURL(url) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .url, in: c, debugDescription: "must be an absolute http or https URL, e.g. https://example.com/hook")
            }

            // Methods are case-sensitive on the wire, but "post" always means POST here.
            method = (try c.decodeIfPresent(String.self, forKey: .method) ?? "POST").uppercased()
            guard !method.isEmpty, method.utf8.count <= 32, method.utf8.allSatisfy(HTTPToken.isTokenByte) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .method, in: c, debugDescription: "must be an HTTP method such as POST, PUT, PATCH, GET or DELETE")
            }

            let headerValues = try HeaderValues.decode(from: c)
            headers = headerValues.literal
            secretHeaders = headerValues.secrets
            sealedHeaders = try c.decodeIfPresent([String: String].self, forKey: .sealedHeaders) ?? [:]

            let json = try c.decodeIfPresent(JSONValue.self, forKey: .body)
            let base64 = try c.decodeIfPresent(String.self, forKey: .bodyBase64)
            switch (json, base64) {
            case (.some, .some):
                throw DecodingError.dataCorruptedError(
                    forKey: .bodyBase64, in: c, debugDescription: "give body (JSON) or body_base64 (bytes), not both")
            case (.some(let value), nil):
                body = .json(value)
            case (nil, .some(let text)):
                guard let data = Data(base64Encoded: text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .bodyBase64, in: c, debugDescription: "must be standard base64 (RFC 4648, with padding)")
                }
                body = .bytes(data)
            case (nil, nil):
                body = nil
            }
            pauseKeyOn429 = try c.decodeIfPresent(Bool.self, forKey: .pauseKeyOn429) ?? false
            followRedirects = try c.decodeIfPresent(Bool.self, forKey: .followRedirects) ?? false
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(url, forKey: .url)
            try c.encode(method, forKey: .method)
            let headerValues = HeaderValues(literal: headers, secrets: secretHeaders).encoded
            if !headerValues.isEmpty { try c.encode(headerValues, forKey: .headers) }
            if !sealedHeaders.isEmpty { try c.encode(sealedHeaders, forKey: .sealedHeaders) }
            switch body {
            case .json(let value): try c.encode(value, forKey: .body)
            case .bytes(let data): try c.encode(data.base64EncodedString(), forKey: .bodyBase64)
            case nil: break
            }
            if pauseKeyOn429 { try c.encode(true, forKey: .pauseKeyOn429) }
            if followRedirects { try c.encode(true, forKey: .followRedirects) }
        }

        static func isHTTPURL(_ text: String) -> Bool {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
            else { return false }
            return true
        }

        /// Why a header cannot be sent, or nil when it can.
        static func headerProblem(name: String, value: String) -> String? {
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPToken.isTokenByte) else {
                return "header name '\(name)' is not a valid HTTP header name"
            }
            if reservedHeaders.contains(name.lowercased()) {
                return "header '\(name)' is set by Conveyor and cannot be given"
            }
            // CR and LF would let a payload inject headers of its own.
            if value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) {
                return "header '\(name)' has a line break or NUL in its value"
            }
            return nil
        }
    }
}
