import Foundation

/// Kvitt's release, which `--version` prints; the message contract's `info.version` in `asyncapi.yaml` is the same.
public enum KvittVersion {
    public static let current = "1.0.0"
}

/// The command line of a service executable. A service takes its settings from its configuration (the environment, a
/// file and secrets: ``KvittConfiguration``), so the command line has two questions and nothing else: `--help` prints the settings with their defaults and `--version` the
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
            "unknown argument '\(argument)': settings come from the environment, KVITT_CONFIG_FILE or secret files; see --help"
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

    /// Every setting a service reads: the common ones and its own.
    public static func settings(of definition: ServiceDefinition) -> [Setting] {
        settings(
            name: definition.name,
            defaultHTTPPort: definition.defaultHTTPPort,
            ownSettings: definition.ownSettings
        )
    }

    /// ``settings(of:)`` by the service's name, port and own settings.
    static func settings(name: String, defaultHTTPPort: Int, ownSettings: [Setting]) -> [Setting] {
        ServiceSettings.documented(serviceName: name, defaultHTTPPort: defaultHTTPPort) + ownSettings
    }

    /// The text of `--help`: the usage, where settings come from, then every setting (the common ones and the
    /// service's own) with its default.
    /// - Parameter executable: the name the service was started by (`invoicing`).
    public static func help(for definition: ServiceDefinition, executable: String) -> String {
        help(name: definition.name, settings: settings(of: definition), executable: executable)
    }

    /// The text of `--help` for a service by its name and settings.
    public static func help(name: String, settings: [Setting], executable: String) -> String {
        """
        \(executable) \(KvittVersion.current): the Kvitt service \(name).

        Usage: \(executable) [--help | --version]

        Runs until SIGTERM or SIGINT; the command line takes no other arguments. GET /health/live, /health/ready and
        /metrics are served on HTTP_HOST:HTTP_PORT.

        \(wrap(KvittConfiguration.sourcesSummary, indent: 0, width: 116))

        Settings (name, default, meaning):
        \(settingsTable(settings))

        """
    }

    /// The settings as `--help` lists them: one line each with the name, the default (`-` for none) and the meaning,
    /// which starts with `(secret)` for a secret.
    public static func settingsTable(_ settings: [Setting]) -> String {
        let width = settings.map(\.variable.count).max() ?? 0
        let defaultWidth = min(settings.map(\.defaultValue.count).max() ?? 0, 36)
        return settings.map { setting in
            let shown = setting.defaultValue.isEmpty ? "-" : setting.defaultValue
            let meaning = setting.isSecret ? "(secret) \(setting.meaning)" : setting.meaning
            return "  \(pad(setting.variable, width))  \(pad(shown, defaultWidth))  \(meaning)"
        }
        .joined(separator: "\n")
    }

    /// The settings in a narrow form, for help text that is wrapped at 80 columns by ArgumentParser (`kvitt --help`): `NAME=default`
    /// (or `NAME (no default)`) with `(secret)` for a secret, and the meaning indented below.
    public static func settingsList(_ settings: [Setting]) -> String {
        settings.map { setting in
            let name =
                setting.defaultValue.isEmpty
                ? "\(setting.variable) (no default)" : "\(setting.variable)=\(setting.defaultValue)"
            return wrap(name + (setting.isSecret ? " (secret)" : ""), indent: 2, width: 78) + "\n"
                + wrap(setting.meaning, indent: 6, width: 78)
        }
        .joined(separator: "\n")
    }

    /// The settings as a Markdown table (`docs/configuration.md`): name, default and meaning, `(secret)` marked.
    /// - Parameter shownDefaults: a default to show instead of the setting's (one that differs by service).
    public static func markdownTable(_ settings: [Setting], shownDefaults: [String: String] = [:]) -> String {
        let rows = settings.map { setting in
            let given = shownDefaults[setting.variable] ?? setting.defaultValue
            let shown = given.isEmpty ? "(none)" : "`\(given)`"
            let meaning =
                (setting.isSecret ? "**(secret)** " : "") + setting.meaning.replacingOccurrences(of: "|", with: "\\|")
            return "| `\(setting.variable)` | \(shown) | \(meaning) |"
        }
        return (["| setting | default | meaning |", "|---|---|---|"] + rows).joined(separator: "\n")
    }

    /// Words wrapped to lines of at most `width` characters (a longer word stands alone), each indented.
    public static func wrap(_ text: String, indent: Int, width: Int) -> String {
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && indent + line.count + 1 + word.count > width {
                lines.append(margin + line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " " + word
        }
        if !line.isEmpty { lines.append(margin + line) }
        return lines.joined(separator: "\n")
    }

    /// Answers `--help` and `--version` (exit 0) and refuses anything else (exit 2) before anything starts; returns
    /// when there are no arguments and the service should run.
    public static func handle(
        _ definition: ServiceDefinition,
        arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) {
        handle(
            name: definition.name,
            defaultHTTPPort: definition.defaultHTTPPort,
            ownSettings: definition.ownSettings,
            arguments: arguments
        )
    }

    /// ``handle(_:arguments:)`` for a service whose definition needs its own settings read first (delivery).
    public static func handle(
        name: String,
        defaultHTTPPort: Int,
        ownSettings: [Setting],
        arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) {
        let executable = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? name
        do {
            switch try parse(arguments) {
            case .run: return
            case .help:
                let settings = settings(name: name, defaultHTTPPort: defaultHTTPPort, ownSettings: ownSettings)
                FileHandle.standardOutput.write(Data(help(name: name, settings: settings, executable: executable).utf8))
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
