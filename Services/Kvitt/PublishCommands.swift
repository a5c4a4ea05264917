import ArgumentParser
import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging

/// `kvitt publish TYPE --file F.json`: sends a command (or event) as an upstream system would, after checking it
/// against the contract.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a message from a JSON file."
    )
    @OptionGroup var broker: BrokerOptions
    @Argument(help: "The wire name, e.g. invoicing.create-invoice.v1.") var type: String
    @Option(help: "The JSON body.") var file: String
    @Option(help: "The message id (default: a new UUID).") var id: String?
    @Option(help: "The correlation id (default: the message id).") var correlationID: String?

    func run() async throws {
        try await CLI.reportingErrors {
            guard let messageType = MessageType(wireName: type), MessageCatalogue.type(named: type) != nil else {
                throw CLIError("unknown message type '\(type)'")
            }
            let body = try Array(Data(contentsOf: URL(fileURLWithPath: file)))
            do {
                try MessageCatalogue.validate(body, as: type)
            } catch {
                throw CLIError("\(file) is not a valid \(type): \(MessageProcessor.describe(decodingError: error))")
            }
            let envelope = MessageEnvelope(
                messageID: id ?? RandomIdentifier.make(),
                type: messageType,
                correlationID: correlationID,
                appID: "kvitt-cli"
            )
            try await PublishCommand.send(body, envelope: envelope, broker: broker)
            print("published \(type) as \(envelope.messageID)")
        }
    }

    static func send(_ body: [UInt8], envelope: MessageEnvelope, broker: BrokerOptions) async throws {
        let (client, publisher) = try await broker.connect()
        defer {
            Task {
                await client.stop(); await publisher.stop()
            }
        }
        var envelope = envelope
        envelope.correlationID = envelope.correlationID ?? envelope.messageID
        do {
            try await publisher.publish(
                AMQPOutgoingMessage(
                    exchange: try broker.exchange,
                    routingKey: envelope.type.rawValue,
                    properties: AMQPProperties(envelope: envelope),
                    body: body
                )
            )
        } catch {
            throw CLIError("the broker did not accept \(envelope.type): \(error)")
        }
    }
}

/// `kvitt import-bgmax FILE`: checks a BgMax file and sends it to payment-matching.
struct ImportBgMaxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import-bgmax", abstract: "Import a BgMax file.")
    @OptionGroup var broker: BrokerOptions
    @Argument(help: "The BgMax file (ISO-8859-1).") var file: String

    func run() async throws {
        try await CLI.reportingErrors {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: file)))
            do { _ = try BgMaxParser.parse(bytes) } catch { throw CLIError("\(file): \(error)") }
            let command = ImportBankgiroFile(fileName: URL(fileURLWithPath: file).lastPathComponent, latin1: bytes)
            let envelope = MessageEnvelope(type: ImportBankgiroFile.messageType, appID: "kvitt-cli")
            try await PublishCommand.send(try MessageCoding.encode(command), envelope: envelope, broker: broker)
            print("sent \(file) to payment-matching as \(envelope.messageID)")
        }
    }
}

/// `kvitt bgmax show FILE`: what a bank file contains, before importing it.
struct BgMaxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bgmax",
        abstract: "Inspect BgMax files.",
        subcommands: [Show.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a BgMax file's deposits, payments and totals.")
        @Argument(help: "The BgMax file (ISO-8859-1).") var file: String
        @Flag(help: "JSON instead of text.") var json = false

        func run() async throws {
            try await CLI.reportingErrors {
                let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: file)))
                let parsed: BgMaxFile
                do { parsed = try BgMaxParser.parse(bytes) } catch { throw CLIError("\(file): \(error)") }
                if json {
                    let encoder = MessageCoding.makeEncoder()
                    encoder.outputFormatting.insert(.prettyPrinted)
                    print(String(decoding: try encoder.encode(parsed), as: UTF8.self))
                } else {
                    print(parsed.summary())
                }
            }
        }
    }
}
