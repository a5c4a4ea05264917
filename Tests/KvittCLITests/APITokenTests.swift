import Foundation
import KvittContracts
import KvittMessaging
import KvittTesting
import Logging
import Synchronization
import Testing

@testable import Invoicing
@testable import Kvitt
@testable import TaxReduction

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `API_TOKEN`: with it, every route but health and metrics needs `Authorization: Bearer <token>`, checked through
/// real services over HTTP; `kvitt` sends `KVITT_API_TOKEN`.
@Suite("API token")
struct APITokenTests {
    static let token = "kvitt-test-token-0123456789abcdef"

    /// A request to a service on 127.0.0.1, with an `Authorization` header when given; nil when nothing answers.
    static func request(
        port: Int,
        _ path: String,
        method: String = "GET",
        json: String? = nil,
        authorization: String? = nil
    ) async -> (status: Int, body: String, challenge: String?)? {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { return nil }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 15
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.utf8)
        }
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        guard let (data, response) = try? await URLSession.shared.data(for: request),
            let http = response as? HTTPURLResponse
        else { return nil }
        return (
            http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "WWW-Authenticate")
        )
    }

    /// Log lines kept in memory, to check what a service wrote.
    final class CapturedLog: Sendable {
        private let lines = Mutex<[String]>([])
        var text: String { lines.withLock { $0.joined() } }

        func logger(_ label: String, level: Logger.Level = .info) -> Logger {
            let write: LogOutput.Write = { line in self.lines.withLock { $0.append(line) } }
            var logger = Logger(label: label) { label in
                KvittServiceHost.logHandler(.text, label: label, level: level, write: write)
            }
            logger.logLevel = level
            return logger
        }
    }

    @Test func readRoutesNeedTheBearerTokenAndHealthAndMetricsDoNot() async throws {
        let log = CapturedLog()
        let service = try await InProcessService.start(
            TaxReductionService.definition,
            environment: ["API_TOKEN": Self.token],
            logger: log.logger("tax-reduction-token", level: .trace)
        )
        let port = service.port

        let none = try #require(await Self.request(port: port, "/v1/claims"))
        #expect(none.status == 401, "\(none.body)")
        #expect(none.challenge?.hasPrefix("Bearer") == true)
        let error = try JSONDecoder().decode(ErrorBody.self, from: Data(none.body.utf8))
        #expect(error.error.message.contains("Bearer"))

        let wrong = try #require(
            await Self.request(port: port, "/v1/claims", authorization: "Bearer \(Self.token.dropLast())x")
        )
        #expect(wrong.status == 401 && wrong.challenge?.contains("invalid_token") == true, "\(wrong.body)")
        let prefix = await Self.request(port: port, "/v1/claims", authorization: "Bearer \(Self.token.dropLast())")
        #expect(prefix?.status == 401)
        let basic = await Self.request(port: port, "/v1/claims", authorization: "Basic \(Self.token)")
        #expect(basic?.status == 401)

        let right = try #require(await Self.request(port: port, "/v1/claims", authorization: "Bearer \(Self.token)"))
        #expect(right.status == 200, "\(right.body)")
        // The scheme is case-insensitive.
        #expect(await Self.request(port: port, "/v1/claims", authorization: "bearer \(Self.token)")?.status == 200)

        // A POST route and an unknown path are behind the token too: nothing answers 404 or 400 before it.
        let usage = #"{"personnummer": "19811218-9876", "year": 2026}"#
        #expect(await Self.request(port: port, "/v1/buyers/usage", method: "POST", json: usage)?.status == 401)
        let asked = await Self.request(
            port: port,
            "/v1/buyers/usage",
            method: "POST",
            json: usage,
            authorization: "Bearer \(Self.token)"
        )
        #expect(asked?.status == 200, "\(asked?.body ?? "")")
        #expect(await Self.request(port: port, "/v1/nothing-here")?.status == 401)
        #expect(
            await Self.request(port: port, "/v1/nothing-here", authorization: "Bearer \(Self.token)")?.status == 404
        )

        for open in ["/health/live", "/health/ready", "/metrics"] {
            #expect(await Self.request(port: port, open)?.status == 200, "\(open)")
        }
        try await service.stop()
        #expect(!log.text.contains(Self.token), "the token was logged")
        #expect(!log.text.contains("API_TOKEN is not set"))
    }

    /// Left unset, the read API stays open and the start says so: a warning in production.
    @Test func withoutATokenTheServiceWarnsAtStartAndAnswers() async throws {
        let log = CapturedLog()
        let service = try await InProcessService.start(
            TaxReductionService.definition,
            environment: ["KVITT_ENVIRONMENT": "production"],
            logger: log.logger("tax-reduction-open")
        )
        #expect(await Self.request(port: service.port, "/v1/claims")?.status == 200)
        try await service.stop()
        let warning = log.text.split(separator: "\n").first { $0.contains("API_TOKEN is not set") }
        #expect(warning?.contains("warning") == true, "\(log.text)")
    }

    @Test func kvittSendsKVITTAPITOKEN() async throws {
        let service = try await InProcessService.start(
            InvoicingService.definition,
            environment: ["API_TOKEN": Self.token],
            logger: TestBroker.logger("invoicing-token")
        )
        let invoicingURL = "http://127.0.0.1:\(service.port)"
        let arguments = ["prices", "show", "--creditor", "nobody", "--invoicing-url", invoicingURL]
        // Past the token, invoicing answers 404 for a creditor it does not know.
        let withToken = try await CommandRun.kvitt(arguments, environment: ["KVITT_API_TOKEN": Self.token])
        #expect(withToken.status == 2 && withToken.errors.contains("HTTP 404"), "\(withToken.errors)")
        let without = try await CommandRun.kvitt(arguments)
        #expect(without.status == 2 && without.errors.contains("HTTP 401"), "\(without.errors)")
        let wrong = try await CommandRun.kvitt(arguments, environment: ["KVITT_API_TOKEN": "not-the-token-at-all-0000"])
        #expect(wrong.status == 2 && wrong.errors.contains("HTTP 401"), "\(wrong.errors)")
        // From a secret file, as compose mounts it.
        let folder = try TestBroker.temporaryDirectory()
        let file = folder.appendingPathComponent("api_token")
        try Data("\(Self.token)\n".utf8).write(to: file)
        let fromFile = try await CommandRun.kvitt(arguments, environment: ["KVITT_API_TOKEN_FILE": file.path])
        #expect(fromFile.errors.contains("HTTP 404"), "\(fromFile.errors)")
        try await service.stop()
    }

    @Test func aShortOrSpacedTokenIsRefusedWithoutShowingIt() throws {
        for bad in ["short", "has a space in it, so no header", "tab\tseparated-token-value"] {
            #expect(throws: ServiceSettings.InvalidSetting.self) {
                try ServiceSettings(serviceName: "x", defaultHTTPPort: 0, environment: ["API_TOKEN": bad])
            }
            do {
                _ = try ServiceSettings(serviceName: "x", defaultHTTPPort: 0, environment: ["API_TOKEN": bad])
            } catch {
                #expect(error.variable == "API_TOKEN" && !error.problem.contains(bad), "\(error)")
            }
        }
        let settings = try ServiceSettings(
            serviceName: "x",
            defaultHTTPPort: 0,
            environment: ["API_TOKEN": Self.token]
        )
        #expect(settings.apiToken?.matches(Array(Self.token.utf8)) == true)
        #expect(!"\(settings)".contains(Self.token) && !String(reflecting: settings).contains(Self.token))
        var dumped = ""
        dump(settings, to: &dumped)
        #expect(!dumped.contains(Self.token))
        #expect(try ServiceSettings(serviceName: "x", defaultHTTPPort: 0, environment: [:]).apiToken == nil)
    }

    struct ErrorBody: Decodable {
        struct Problem: Decodable {
            let message: String
        }

        let error: Problem
    }
}
