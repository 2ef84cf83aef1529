import ConveyorCore
import ConveyorHTTPJob
import Foundation
import Testing

/// Payload validation: Core decodes payloads at enqueue time, so each rejection here is a
/// 422 from `POST /v1/jobs` rather than a job that fails later.
@Suite struct HTTPJobPayloadTests {
    func decode(_ json: String) throws -> HTTPJob.Payload {
        try ConveyorJSON.decode(HTTPJob.Payload.self, from: Data(json.utf8))
    }

    @Test func defaults() throws {
        let payload = try decode(#"{"url":"https://example.com/hook"}"#)
        #expect(payload == HTTPJob.Payload(url: "https://example.com/hook", method: "POST", headers: [:], body: nil))
    }

    @Test func roundTrips() throws {
        let original = HTTPJob.Payload(
            url: "http://example.com/x", method: "PATCH", headers: ["a": "b"], body: .bytes(Data([1, 2, 3])))
        let decoded = try ConveyorJSON.decode(HTTPJob.Payload.self, from: ConveyorJSON.encode(original))
        #expect(decoded == original)
        let json = try decode(#"{"url":"http://example.com","body":{"k":[1,null]}}"#)
        #expect(json.body == .json(["k": [1, nil]]))
    }

    @Test func handlerDefaults() {
        #expect(HTTPJob.type == "http")
        #expect(HTTPJob.defaults == JobDefaults(queue: "default", maxAttempts: 3, backoff: .default, timeoutSeconds: 30))
    }

    @Test(arguments: [
        (#"{}"#, "missing field 'url'"),
        (#"{"url":"ftp://example.com/x"}"#, "field 'url': must be an absolute http or https URL"),
        (#"{"url":"/relative/path"}"#, "field 'url': must be an absolute http or https URL"),
        (#"{"url":"https://"}"#, "field 'url': must be an absolute http or https URL"),
        (#"{"url":42}"#, "field 'url' should be a string"),
        (#"{"url":"https://e.com","body":{},"body_base64":"AA=="}"#, "field 'body_base64': give body (JSON) or body_base64 (bytes), not both"),
        (#"{"url":"https://e.com","body_base64":"not base64!"}"#, "field 'body_base64': must be standard base64"),
        (#"{"url":"https://e.com","method":"PO ST"}"#, "field 'method': must be an HTTP method"),
        (#"{"url":"https://e.com","headers":{"x-a":"1\r\nx-b: 2"}}"#, "header 'x-a' has a line break"),
        (#"{"url":"https://e.com","headers":{"bad name":"1"}}"#, "header name 'bad name' is not a valid HTTP header name"),
        (#"{"url":"https://e.com","headers":{"X-Conveyor-Job-Id":"spoof"}}"#, "header 'X-Conveyor-Job-Id' is set by Conveyor"),
        (#"{"url":"https://e.com","headers":{"Content-Length":"3"}}"#, "header 'Content-Length' is set by Conveyor"),
        (#"{"url":"https://e.com","headers":{"a":1}}"#, "field 'headers.a': must be a string, or {\"secret\": \"NAME\"}"),
        (#"{"url":"https://e.com","bdy":{}}"#, "unknown field; allowed fields are body, body_base64, follow_redirects, headers, inputs, method, pause_key_on_429, sealed_headers, url"),
    ])
    func rejects(json: String, message: String) {
        do {
            let payload = try decode(json)
            Issue.record("accepted \(json) as \(payload)")
        } catch {
            #expect(error is DecodingError)
            let described = DecodingErrorDescription.describe(error)
            #expect(described.contains(message), "got: \(described)")
        }
    }
}
