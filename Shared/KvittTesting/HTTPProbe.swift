import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Plain HTTP GETs against a service's health, metrics and read API in tests.
public enum HTTPProbe {
    /// GETs a path on 127.0.0.1 and returns the status and body; `nil` when nothing answers. The timeout is for a
    /// machine busy with the whole suite: a one-off read that gave up after 2 s failed tests that had nothing wrong.
    /// - Parameter headers: request headers to send (a `traceparent`, a bearer token).
    public static func get(
        port: Int,
        path: String,
        headers: [String: String] = [:],
        timeout: TimeInterval = 10
    ) async -> (status: Int, body: String)? {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { return nil }
        var request = URLRequest(url: url)
        request.timeoutInterval = timeout
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        guard let (data, response) = try? await URLSession.shared.data(for: request),
            let http = response as? HTTPURLResponse
        else { return nil }
        return (http.statusCode, String(decoding: data, as: UTF8.self))
    }

    /// POSTs a JSON body to a path on 127.0.0.1 and returns the status and body; `nil` when nothing answers.
    public static func post(port: Int, path: String, json: String, timeout: TimeInterval = 5) async -> (
        status: Int, body: String
    )? {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { return nil }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(json.utf8)
        request.timeoutInterval = timeout
        guard let (data, response) = try? await URLSession.shared.data(for: request),
            let http = response as? HTTPURLResponse
        else { return nil }
        return (http.statusCode, String(decoding: data, as: UTF8.self))
    }
}
