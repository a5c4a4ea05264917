import Foundation

/// Kvitt's release, which `--version` prints; the message contract's `info.version` in `asyncapi.yaml` is the same.
public enum KvittVersion {
    public static let current = "1.0.0"
}

/// The command line of a service executable. A service takes its settings from the environment only, so the command
/// line has two questions and nothing else: `--help` prints the settings with their defaults and `--version` the
/// release, each exiting 0 before anything starts; any other argument is refused with exit status 2, the status of a
/// bad setting, rather than ignored by a service that then starts as if nothing was asked.
public enum ServiceCommandLine {
    /// What the arguments ask for.
    public enum Request: Sendable, Equatable {
        /// No arguments: start the service.
        case run
        case help
        case version
    }

    /// An argument a service does not take.
    public struct UnknownArgument: Error, Equatable, CustomStringConvertible {
        public let argument: String

        public init(argument: String) {
            self.argument = argument
        }

        public var description: String {
            "unknown argument '\(argument)': settings come from the environment; see --help"
        }
    }

    /// Reads the arguments (without the executable's path).
    public static func parse(_ arguments: [String]) throws(UnknownArgument) -> Request {
        guard let first = arguments.first else { return .run }
        let request: Request
        switch first {
        case "--help", "-h", "help": request = .help
        case "--version", "-V": request = .version
        default: throw UnknownArgument(argument: first)
        }
        if arguments.count > 1 { throw UnknownArgument(argument: arguments[1]) }
        return request
    }

    /// The text of `--help`: the usage, then every setting (the common ones and the service's own) with its default.
    /// - Parameter executable: the name the service was started by (`invoicing`).
    public static func help(for definition: ServiceDefinition, executable: String) -> String {
        let settings =
            ServiceSettings.documented(serviceName: definition.name, defaultHTTPPort: definition.defaultHTTPPort)
            + definition.ownSettings
        let width = settings.map(\.variable.count).max() ?? 0
        let defaultWidth = min(settings.map(\.defaultValue.count).max() ?? 0, 36)
        let rows = settings.map { setting in
            let shown = setting.defaultValue.isEmpty ? "-" : setting.defaultValue
            return "  \(pad(setting.variable, width))  \(pad(shown, defaultWidth))  \(setting.meaning)"
        }
        return """
            \(executable) \(KvittVersion.current): the Kvitt service \(definition.name).

            Usage: \(executable) [--help | --version]

            Runs until SIGTERM or SIGINT. Every setting comes from the environment; the command line takes no
            other arguments. GET /health/live, /health/ready and /metrics are served on HTTP_HOST:HTTP_PORT.

            Settings (variable, default, meaning):
            \(rows.joined(separator: "\n"))

            """
    }

    /// Answers `--help` and `--version` (exit 0) and refuses anything else (exit 2) before anything starts; returns
    /// when there are no arguments and the service should run.
    public static func handle(
        _ definition: ServiceDefinition,
        arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) {
        let executable =
            CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? definition.name
        do {
            switch try parse(arguments) {
            case .run: return
            case .help:
                FileHandle.standardOutput.write(Data(help(for: definition, executable: executable).utf8))
                exit(0)
            case .version:
                FileHandle.standardOutput.write(Data("\(executable) \(KvittVersion.current)\n".utf8))
                exit(0)
            }
        } catch {
            FileHandle.standardError.write(Data("\(executable): \(error)\n".utf8))
            exit(2)
        }
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
