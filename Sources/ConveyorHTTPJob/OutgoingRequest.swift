import AsyncHTTPClient
import ConveyorCore
import NIOHTTP1

extension HTTPJob.Payload {
    /// The request to send for one attempt of the job in `context`.
    func httpRequest(context: JobContext) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            request.headers.add(name: name, value: value)
        }
        switch body {
        case .json(let value):
            request.body = .bytes(try ConveyorJSON.encode(value))
            setDefault(&request.headers, "content-type", "application/json")
        case .bytes(let data):
            request.body = .bytes(data)
            setDefault(&request.headers, "content-type", "application/octet-stream")
        case nil:
            break
        }
        setDefault(&request.headers, "user-agent", "conveyor-http-job")
        request.headers.replaceOrAdd(name: "x-conveyor-job-id", value: context.id)
        request.headers.replaceOrAdd(name: "x-conveyor-attempt", value: String(context.attempt))
        return request
    }

    private func setDefault(_ headers: inout HTTPHeaders, _ name: String, _ value: String) {
        if !headers.contains(name: name) { headers.add(name: name, value: value) }
    }
}
