import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One request from the CLI to a service's HTTP API (`kvitt prices`, `status`, `clock`): the base URL and the path
/// joined whether or not the base ends in `/`, with the services' token (`KVITT_API_TOKEN`) when it is set.
enum ServiceRequest {
    /// Why a request got no HTTP answer; each command words it for its own output.
    enum Failure: Error {
        /// The base and path do not make a URL.
        case notAURL
        /// No answer: the connection failed or timed out.
        case unreachable(description: String)
    }

    /// `base` and `path` (which starts with `/`) as one address.
    static func address(_ base: String, _ path: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
    }

    /// Sends the request and returns the HTTP status and the body, whatever the status. A JSON `body` makes it a
    /// POST; `timeout` is URLSession's default unless given. Throws ``Failure``, or the configuration's error when the
    /// token cannot be read.
    static func send(
        _ base: String,
        _ path: String,
        json body: Data? = nil,
        timeout: TimeInterval? = nil
    ) async throws -> (status: Int, body: Data) {
        guard let url = URL(string: address(base, path)) else { throw Failure.notAURL }
        var request = URLRequest(url: url)
        if let timeout { request.timeoutInterval = timeout }
        try CLISettings.authorize(&request)
        if let body {
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = body
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw Failure.unreachable(description: error.localizedDescription)
        }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}
