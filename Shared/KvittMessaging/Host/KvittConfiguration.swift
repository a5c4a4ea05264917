import Configuration
import Foundation

/// The settings of a Kvitt executable, from every source, in this order (the first that has a setting wins):
///
/// 1. the environment (an empty variable counts as unset);
/// 2. the JSON file named by `KVITT_CONFIG_FILE`, one object of `"SETTING": value`;
/// 3. secret files: `<NAME>_FILE=path` for a setting marked secret, then a file named after the setting (`AMQP_URL`
///    or `amqp_url`) in `KVITT_SECRETS_DIR` (`/run/secrets`, where Docker mounts its secrets), with trailing newlines
///    trimmed;
/// 4. the setting's default (``Setting/defaultValue``).
///
/// Every executable (the five services and `kvitt`) builds its configuration with ``load(settings:environment:)``
/// and reads each value through the typed readers here, which refuse an unusable value with an
/// ``ServiceSettings/InvalidSetting`` naming the setting and where it came from, never echoing a secret.
public struct KvittConfiguration: Sendable {
    /// Where a value came from.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        case environment
        /// The `KVITT_CONFIG_FILE` file, by its path.
        case file(String)
        /// A secret file, by its path (from `<NAME>_FILE` or the secrets directory).
        case secretFile(String)

        public var description: String {
            switch self {
            case .environment: "the environment"
            case .file(let path): path
            case .secretFile(let path): path
            }
        }
    }

    /// Where settings come from, as `--help` says it, in one paragraph.
    public static let sourcesSummary =
        "Settings come from, in this order: the environment; the JSON file KVITT_CONFIG_FILE names "
        + "({\"LOG_LEVEL\": \"debug\"}); secret files (NAME_FILE=path for a setting marked (secret), or a file named NAME "
        + "in KVITT_SECRETS_DIR, default /run/secrets); then the default below. A value that cannot be used, or a file "
        + "that cannot be read, stops the program with status 2 and names the setting. See docs/configuration.md."

    /// A value and its source.
    public struct Value: Sendable, Equatable {
        public let text: String
        public let source: Source

        public init(text: String, source: Source) {
            self.text = text
            self.source = source
        }
    }

    private let environment: ConfigReader
    private let file: ConfigReader
    private let filePath: String
    private let secrets: ConfigReader
    /// The file each secret-file value was read from.
    private let secretPaths: [String: String]

    /// A configuration from values already at hand: the unit tests' in-memory sources, and the settings built from a
    /// dictionary of variables.
    /// - Parameters:
    ///   - environment: variables; empty values count as unset.
    ///   - file: the configuration file's settings, as text.
    ///   - filePath: the configuration file's name in errors.
    ///   - secrets: secret files' contents by setting, already trimmed.
    ///   - secretPaths: each secret's file, for errors.
    public init(
        environment: [String: String],
        file: [String: String] = [:],
        filePath: String = "the configuration file",
        secrets: [String: String] = [:],
        secretPaths: [String: String] = [:]
    ) {
        let set = Self.setVariables(environment)
        self.environment = ConfigReader(
            provider: EnvironmentVariablesProvider(environmentVariables: set, secretsSpecifier: .none)
        )
        self.file = ConfigReader(provider: Self.memory("file", file, secret: false))
        self.filePath = filePath
        self.secrets = ConfigReader(provider: Self.memory("secrets", secrets, secret: true))
        self.secretPaths = secretPaths
    }

    /// Builds the configuration of an executable from the process's sources.
    /// - Parameters:
    ///   - settings: every setting the executable reads; only these are looked for as secret files.
    ///   - environment: the process's environment.
    /// - Throws: ``ServiceSettings/InvalidSetting`` naming `KVITT_CONFIG_FILE` for a file that cannot be read or is
    ///   not a flat JSON object of settings, or naming the secret (`<NAME>_FILE`, `KVITT_SECRETS_DIR`) whose file
    ///   cannot be read.
    public static func load(
        settings: [Setting],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ServiceSettings.InvalidSetting) -> KvittConfiguration {
        let set = setVariables(environment)
        var file: [String: String] = [:]
        let filePath = set[Setting.configFile.variable]
        if let filePath {
            file = try readConfigFile(at: filePath)
        }
        var secrets: [String: String] = [:]
        var secretPaths: [String: String] = [:]
        // An explicit `<NAME>_FILE` first: only for secrets, since a setting may itself end in _FILE
        // (debt-collection's REFERENCE_RATES_FILE is a path, not REFERENCE_RATES in a file).
        for setting in settings where setting.isSecret {
            let variable = setting.variable + "_FILE"
            guard let path = set[variable] else { continue }
            secrets[setting.variable] = try readSecret(at: path, naming: variable)
            secretPaths[setting.variable] = path
        }
        let explicitDirectory = set[Setting.secretsDirectory.variable]
        let directory = explicitDirectory ?? Setting.secretsDirectory.defaultValue
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory)
        if explicitDirectory != nil, !exists || !isDirectory.boolValue {
            throw .init(variable: Setting.secretsDirectory.variable, problem: "\(directory) is not a directory")
        }
        if exists && isDirectory.boolValue {
            // Only the settings this executable knows are looked for: other processes' secrets in the same directory
            // are neither read nor refused.
            for setting in settings where secrets[setting.variable] == nil && !isSourceSetting(setting) {
                for name in [setting.variable, setting.variable.lowercased()] {
                    let path = (directory as NSString).appendingPathComponent(name)
                    guard FileManager.default.fileExists(atPath: path) else { continue }
                    secrets[setting.variable] = try readSecret(at: path, naming: Setting.secretsDirectory.variable)
                    secretPaths[setting.variable] = path
                    break
                }
            }
        }
        return KvittConfiguration(
            environment: set,
            file: file,
            filePath: filePath ?? "the configuration file",
            secrets: secrets,
            secretPaths: secretPaths
        )
    }

    /// The variables that are set: an empty (or blank) one counts as unset, as an env file lists every setting.
    static func setVariables(_ environment: [String: String]) -> [String: String] {
        environment.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// The settings read from the environment only: where the others come from, and the C heap's tuning, which is
    /// applied before the configuration is read.
    public static let environmentOnly: Set<String> = [
        Setting.configFile.variable, Setting.secretsDirectory.variable, Heap.Tuning.environmentVariable,
    ]

    /// Whether a setting is read from the environment only.
    static func isSourceSetting(_ setting: Setting) -> Bool {
        environmentOnly.contains(setting.variable)
    }

    // MARK: Reading

    /// The value of a setting and its source; nil when no source has it.
    public func lookup(_ setting: Setting) -> Value? {
        let key = ConfigKey([setting.variable])
        if let text = environment.string(forKey: key, isSecret: setting.isSecret) {
            return Value(text: text, source: .environment)
        }
        if Self.isSourceSetting(setting) { return nil }
        if let text = file.string(forKey: key, isSecret: setting.isSecret) {
            return Value(text: text, source: .file(filePath))
        }
        if let text = secrets.string(forKey: key, isSecret: true) {
            return Value(text: text, source: .secretFile(secretPaths[setting.variable] ?? "a secret file"))
        }
        return nil
    }

    /// The value, or the default when no source has it.
    public func text(_ setting: Setting) -> String {
        lookup(setting)?.text ?? setting.defaultValue
    }

    /// The value, or the default; nil when neither is there.
    public func optionalText(_ setting: Setting) -> String? {
        let text = text(setting)
        return text.isEmpty ? nil : text
    }

    /// The value (or the default) parsed; a value that does not parse is an error naming the setting.
    /// - Parameters:
    ///   - expected: what a usable value looks like, for the error (`a whole number from 1 to 2000`).
    ///   - parse: nil for an unusable value.
    public func parsed<Value>(
        _ setting: Setting,
        expected: String,
        _ parse: (String) -> Value?
    ) throws(ServiceSettings.InvalidSetting) -> Value {
        let found = lookup(setting)
        let text = found?.text ?? setting.defaultValue
        if let value = parse(text) { return value }
        throw invalid(setting, expected: expected, value: found)
    }

    /// An error for a setting's unusable value: names the setting and its source, shows the value only when it is
    /// not secret.
    public func invalid(_ setting: Setting, expected: String, value: Value?) -> ServiceSettings.InvalidSetting {
        var problem = "expected \(expected)"
        if let value {
            let hidden: Bool
            switch value.source {
            case .secretFile: hidden = true
            case .environment, .file: hidden = setting.isSecret
            }
            problem += hidden ? " (the value is secret and not shown)" : ", got '\(value.text)'"
            if value.source != .environment { problem += " (from \(value.source))" }
        } else {
            problem += " (the default '\(setting.defaultValue)')"
        }
        return .init(variable: setting.variable, problem: problem)
    }

    /// A whole number within a range.
    public func int(_ setting: Setting, in range: ClosedRange<Int>) throws(ServiceSettings.InvalidSetting) -> Int {
        try parsed(setting, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)") { text in
            Int(text.trimmingCharacters(in: .whitespaces)).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    /// A duration (`500ms`, `10s`, `2m`, `12h`, `30d`) within a range.
    public func duration(
        _ setting: Setting,
        in range: ClosedRange<Duration>
    ) throws(ServiceSettings.InvalidSetting) -> Duration {
        let bounds = "\(RetryPolicy.label(range.lowerBound)) to \(RetryPolicy.label(range.upperBound))"
        return try parsed(setting, expected: "a duration from \(bounds), like 30s or 12h") { text in
            DurationText.parse(text).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    /// A non-empty list of durations, like `30s,2m,10m`.
    public func durations(_ setting: Setting) throws(ServiceSettings.InvalidSetting) -> [Duration] {
        try parsed(setting, expected: "a list of durations like 30s,2m,10m") { text in
            DurationText.parseList(text).flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// One of an enumeration's raw values, in any letter case.
    public func choice<Choice: RawRepresentable & CaseIterable>(
        _ setting: Setting,
        as type: Choice.Type = Choice.self
    ) throws(ServiceSettings.InvalidSetting) -> Choice where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        let expected =
            names.count <= 2
            ? names.joined(separator: " or ")
            : names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
        return try parsed(setting, expected: expected) { Choice(rawValue: $0.lowercased()) }
    }

    /// `on` or `off`.
    public func isOn(_ setting: Setting) throws(ServiceSettings.InvalidSetting) -> Bool {
        try choice(setting, as: Switch.self) == .on
    }

    /// `true` or `false`.
    public func isTrue(_ setting: Setting) throws(ServiceSettings.InvalidSetting) -> Bool {
        try choice(setting, as: Truth.self) == .true
    }

    /// A path to a readable file, or nil when neither set nor defaulted.
    public func readableFile(_ setting: Setting) throws(ServiceSettings.InvalidSetting) -> String? {
        guard optionalText(setting) != nil else { return nil }
        return try parsed(setting, expected: "a readable file") { path in
            FileManager.default.isReadableFile(atPath: path) ? path : nil
        }
    }

    private enum Switch: String, CaseIterable { case on, off }
    private enum Truth: String, CaseIterable { case `true`, `false` }

    // MARK: Sources

    private static func memory(_ name: String, _ values: [String: String], secret: Bool) -> InMemoryProvider {
        InMemoryProvider(
            name: name,
            values: Dictionary(
                uniqueKeysWithValues: values.map { key, value in
                    (AbsoluteConfigKey([key]), ConfigValue(.string(value), isSecret: secret))
                }
            )
        )
    }

    /// One value in the configuration file: text, a number or true/false, all kept as the text they would be in
    /// the environment.
    private struct FileValue: Decodable {
        let text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self.text = text
            } else if let flag = try? container.decode(Bool.self) {
                text = flag ? "true" : "false"
            } else if let number = try? container.decode(Int.self) {
                text = "\(number)"
            } else if let number = try? container.decode(Double.self) {
                text = "\(number)"
            } else {
                throw DecodingError.typeMismatch(
                    String.self,
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription: "expected a string, a number or true/false"
                    )
                )
            }
        }
    }

    /// Reads the configuration file: one JSON object whose keys are settings (as their variables) and whose values
    /// are strings, numbers or true/false.
    static func readConfigFile(at path: String) throws(ServiceSettings.InvalidSetting) -> [String: String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .init(variable: Setting.configFile.variable, problem: "cannot read \(path)")
        }
        return try parseConfigFile(data, path: path)
    }

    /// Parses a configuration file's contents (``readConfigFile(at:)``).
    public static func parseConfigFile(
        _ data: Data,
        path: String
    ) throws(ServiceSettings.InvalidSetting) -> [String: String] {
        let values: [String: FileValue]
        do {
            values = try JSONDecoder().decode([String: FileValue].self, from: data)
        } catch {
            throw .init(variable: Setting.configFile.variable, problem: "\(path): \(describe(error))")
        }
        // The decoder keeps one of a key written twice, whichever its parser happens to: refused instead, as a
        // setting's value must not depend on that.
        let written = writtenKeys(data)
        if written.count != values.count {
            let twice = Dictionary(grouping: written, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
            throw .init(
                variable: Setting.configFile.variable,
                problem: "\(path): \(twice.first ?? "a setting") is given more than once"
            )
        }
        for key in values.keys.sorted() {
            let isName =
                key.first?.isLetter == true
                && key.allSatisfy { ($0.isASCII && ($0.isUppercase || $0.isNumber)) || $0 == "_" }
            guard isName else {
                throw .init(
                    variable: Setting.configFile.variable,
                    problem: "\(path): '\(key)' is not a setting; settings are named as their variables (LOG_LEVEL)"
                )
            }
            if environmentOnly.contains(key) {
                throw .init(
                    variable: Setting.configFile.variable,
                    problem: "\(path): \(key) is read from the environment only"
                )
            }
        }
        return values.mapValues(\.text)
    }

    /// The keys as written in a JSON object whose values are all strings, numbers or true/false (one that decoded as
    /// such), duplicates included: every string followed by `:`, escapes left as written.
    static func writtenKeys(_ data: Data) -> [String] {
        let bytes = [UInt8](data)
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), colon = UInt8(ascii: ":")
        var keys: [String] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == quote else {
                index += 1
                continue
            }
            let start = index + 1
            index = start
            while index < bytes.count, bytes[index] != quote { index += bytes[index] == backslash ? 2 : 1 }
            let end = min(index, bytes.count)
            index += 1
            var next = index
            while next < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[next]) { next += 1 }
            if next < bytes.count, bytes[next] == colon {
                keys.append(String(decoding: bytes[start..<end], as: UTF8.self))
            }
        }
        return keys
    }

    /// A JSON decoding error as one line, without the file's contents (a value may be secret).
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not a JSON object of settings" }
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let found), .valueNotFound(_, let found), .keyNotFound(_, let found),
            .dataCorrupted(let found):
            context = found
        @unknown default:
            return "not a JSON object of settings"
        }
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        if context.codingPath.isEmpty {
            if case .typeMismatch = error {
                return "expected one JSON object of settings, like {\"LOG_LEVEL\": \"debug\"}"
            }
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return "not valid JSON" + (detail.map { ": \($0)" } ?? "")
        }
        return "\(path): \(context.debugDescription)"
    }

    /// Reads a secret file, trimming the trailing newline an editor or `echo` leaves.
    static func readSecret(at path: String, naming variable: String) throws(ServiceSettings.InvalidSetting) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .init(variable: variable, problem: "cannot read the secret file \(path)")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw .init(variable: variable, problem: "the secret file \(path) is not UTF-8 text")
        }
        while text.last?.isNewline == true { text.removeLast() }
        guard !text.isEmpty else {
            throw .init(variable: variable, problem: "the secret file \(path) is empty")
        }
        return text
    }
}
