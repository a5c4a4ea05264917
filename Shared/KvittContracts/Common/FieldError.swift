/// One thing wrong with one field of a command, named by its JSON path (`lines[2].vatRate`).
public struct FieldError: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The JSON path of the field.
    public var field: String
    /// What is wrong, for a person (never the rejected personal identity number itself).
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// Why a well-formed command was refused: it breaks a business rule, and nothing changed.
public struct CommandRejection: Codable, Sendable, Equatable {
    /// The refused command's message id.
    public var commandID: String
    /// The refused command's wire name.
    public var commandType: String
    /// Every problem found, not only the first.
    public var errors: [FieldError]

    public init(commandID: String, commandType: String, errors: [FieldError]) {
        self.commandID = commandID
        self.commandType = commandType
        self.errors = errors
    }
}

/// A service's command-rejected event (`<service>.command-rejected.v1`): one per service, all with the same payload.
public protocol CommandRejectedMessage: KvittMessage {
    init(rejection: CommandRejection)
}
