import ArgumentParser
import Foundation

/// `kvitt clock show|advance`: the services' business clock, for demos and acceptance runs.
///
/// Works only against services started with `CLOCK_CONTROL=on` (refused in production); every service is moved by
/// the same amount so that invoicing, payment matching, collection, tax reduction and delivery agree on the date.
struct ClockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock",
        abstract: "Show or move forward the services' business clock (CLOCK_CONTROL=on only).",
        subcommands: [Show.self, Advance.self]
    )

    struct Services: ParsableArguments {
        @Option(
            name: .customLong("service"),
            help: "A service's HTTP base URL (repeatable; default KVITT_SERVICE_URLS or ports 8081-8085 on 127.0.0.1)."
        )
        var urls: [String] = []

        /// `--service`, else `KVITT_SERVICE_URLS` (by default the five services' HTTP ports on this host).
        var resolved: [String] {
            get throws {
                if !urls.isEmpty { return urls }
                return try CLISettings.configuration().parsed(.serviceURLs, expected: "comma-separated URLs") {
                    let listed = $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    return listed.isEmpty || listed.contains(where: \.isEmpty) ? nil : listed
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each service's business date and offset.")
        @OptionGroup var services: Services

        func run() async throws {
            try await CLI.reportingErrors {
                var rows: [[String]] = []
                for url in try services.resolved {
                    rows.append(ClockCommand.row(url, try await ClockCommand.request(url, advance: nil)))
                }
                print(CLI.table(["SERVICE", "NOW", "OFFSET"], rows))
            }
        }
    }

    struct Advance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move every service's clock forward.")
        @Argument(help: "How far: 30d, 12h, 90m.") var duration: String
        @OptionGroup var services: Services

        func run() async throws {
            try await CLI.reportingErrors {
                // Every service must answer before any moves: a half-moved system disagrees on the date.
                for url in try services.resolved { _ = try await ClockCommand.request(url, advance: nil) }
                var rows: [[String]] = []
                for url in try services.resolved {
                    rows.append(ClockCommand.row(url, try await ClockCommand.request(url, advance: duration)))
                }
                print(CLI.table(["SERVICE", "NOW", "OFFSET"], rows))
            }
        }
    }

    struct State: Decodable {
        let now: String
        let offsetSeconds: Int64
    }

    static func row(_ url: String, _ state: State) -> [String] {
        let days = Double(state.offsetSeconds) / 86_400
        return [url, state.now, String(format: "%+.2f days", days)]
    }

    /// GETs the clock, or POSTs an advance; a service without clock control answers 404, which becomes one line.
    static func request(_ base: String, advance: String?) async throws -> State {
        let status: Int
        let data: Data
        do {
            (status, data) = try await ServiceRequest.send(
                base,
                "/v1/clock",
                json: try advance.map { try JSONEncoder().encode(["advance": $0]) }
            )
        } catch ServiceRequest.Failure.notAURL {
            throw CLIError("\(base): not a URL")
        } catch ServiceRequest.Failure.unreachable(let description) {
            throw CLIError("\(base): not reachable (\(description))")
        }
        switch status {
        case 200: break
        case 404:
            throw CLIError("\(base): no clock control (start the service with CLOCK_CONTROL=on outside production)")
        default: throw CLIError("\(base): HTTP \(status) \(String(decoding: data, as: UTF8.self))")
        }
        do {
            return try JSONDecoder().decode(State.self, from: data)
        } catch {
            throw CLIError("\(base): unexpected answer \(String(decoding: data, as: UTF8.self))")
        }
    }
}
