import ArgumentParser
import Foundation
import KvittContracts

/// `kvitt prices show|set|statement`: a creditor's price list and monthly statement of platform fees, read from
/// invoicing's HTTP API, and new prices sent as `invoicing.set-creditor-prices.v1`.
struct PricesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prices",
        abstract: "A creditor's price list and monthly statement of platform fees.",
        subcommands: [Show.self, SetPrices.self, Statement.self]
    )

    /// Where invoicing's read API is.
    struct InvoicingOptions: ParsableArguments {
        @Option(
            name: .customLong("invoicing-url"),
            help: "invoicing's HTTP base URL (default: KVITT_INVOICING_URL, else http://127.0.0.1:8081)."
        )
        var invoicingURLOption: String?

        /// `--invoicing-url`, else `KVITT_INVOICING_URL`.
        var invoicingURL: String {
            get throws { try invoicingURLOption ?? CLISettings.configuration().text(.invoicingURL) }
        }

        /// The body of a GET on `path`; a non-200 answer becomes one line with invoicing's message.
        func get(_ path: String) async throws -> Data {
            let invoicingURL = try invoicingURL
            let status: Int
            let data: Data
            do {
                (status, data) = try await ServiceRequest.send(invoicingURL, path, timeout: 10)
            } catch ServiceRequest.Failure.notAURL {
                throw CLIError("\(invoicingURL): not a URL")
            } catch ServiceRequest.Failure.unreachable(let description) {
                throw CLIError("cannot reach invoicing at \(invoicingURL): \(description)")
            }
            guard status == 200 else {
                let problem = (try? JSONDecoder().decode(ErrorBody.self, from: data)).map {
                    [$0.error.field, $0.error.message].compactMap { $0 }.joined(separator: ": ")
                }
                throw CLIError("invoicing answered HTTP \(status)\(problem.map { ": \($0)" } ?? "")")
            }
            return data
        }

        private struct ErrorBody: Decodable {
            struct Problem: Decodable {
                let field: String?
                let message: String?
            }
            let error: Problem
        }
    }

    /// `kvitt prices show --creditor ID`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a creditor's prices: each service, its price, and whether it is the default."
        )
        @OptionGroup var invoicing: InvoicingOptions
        @Option(help: "The creditor's id.") var creditor: String
        @Flag(help: "invoicing's JSON instead of a table.") var json = false

        func run() async throws {
            try await CLI.reportingErrors {
                let data = try await invoicing.get("/v1/creditors/\(try PricesCommand.pathSegment(creditor))/prices")
                guard !json else { return print(String(decoding: data, as: UTF8.self)) }
                let list: PriceListBody
                do { list = try MessageCoding.decode(PriceListBody.self, from: Array(data)) } catch {
                    throw CLIError("invoicing's answer is not a price list: \(error)")
                }
                print(PricesCommand.table(list))
            }
        }
    }

    /// `kvitt prices set --creditor ID SERVICE=KRONOR …`.
    struct SetPrices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set some of a creditor's prices (publishes invoicing.set-creditor-prices.v1).",
            discussion: "Each price is SERVICE=KRONOR, e.g. reminder=12.50. Services: "
                + ChargeableService.allCases.map(\.rawValue).joined(separator: ", ")
                + ". Invoicing answers a refused price with invoicing.command-rejected.v1 naming the field."
        )
        @OptionGroup var broker: BrokerOptions
        @Option(help: "The creditor's id.") var creditor: String
        @Option(help: "The message id (default: a new UUID).") var id: String?
        @Argument(help: "SERVICE=KRONOR pairs.") var prices: [String]

        func run() async throws {
            try await CLI.reportingErrors {
                let command = SetCreditorPrices(creditorID: creditor, prices: try prices.map(PricesCommand.price))
                let envelope = MessageEnvelope(
                    messageID: id ?? RandomIdentifier.make(),
                    type: SetCreditorPrices.messageType,
                    appID: "kvitt-cli"
                )
                try await PublishCommand.send(try MessageCoding.encode(command), envelope: envelope, broker: broker)
                print("published \(SetCreditorPrices.messageType) as \(envelope.messageID)")
            }
        }
    }

    /// `kvitt prices statement --creditor ID --month YYYY-MM`.
    struct Statement: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a creditor's platform fees for a month, summed per service."
        )
        @OptionGroup var invoicing: InvoicingOptions
        @Option(help: "The creditor's id.") var creditor: String
        @Option(help: "The month, YYYY-MM.") var month: String
        @Flag(help: "invoicing's JSON instead of a table.") var json = false

        func run() async throws {
            try await CLI.reportingErrors {
                let path =
                    "/v1/creditors/\(try PricesCommand.pathSegment(creditor))/statements/"
                    + (try PricesCommand.pathSegment(month))
                let data = try await invoicing.get(path)
                guard !json else { return print(String(decoding: data, as: UTF8.self)) }
                let statement: StatementBody
                do { statement = try MessageCoding.decode(StatementBody.self, from: Array(data)) } catch {
                    throw CLIError("invoicing's answer is not a statement: \(error)")
                }
                let rows = statement.lines.map { [$0.service, "\($0.count)", "\($0.unitPrice)", "\($0.total)"] }
                print(CLI.table(["SERVICE", "COUNT", "UNIT PRICE", "TOTAL"], rows))
                print("total \(statement.total) for \(statement.month), \(statement.fees.count) fee(s)")
            }
        }
    }

    /// `SERVICE=KRONOR` as a price: kronor with at most two decimals (`.` or `,`), e.g. `12.50`.
    static func price(_ text: String) throws -> SetCreditorPrices.Price {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { throw CLIError("expected SERVICE=KRONOR, got '\(text)'") }
        let service = String(parts[0])
        guard ChargeableService(rawValue: service) != nil else {
            let known = ChargeableService.allCases.map(\.rawValue).joined(separator: ", ")
            throw CLIError("unknown service '\(service)'; known: \(known)")
        }
        let amount = parts[1].replacingOccurrences(of: ",", with: ".")
        let pieces = amount.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let digits = { (part: Substring) in !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } }
        guard digits(pieces[0]), pieces[0].count <= 9, pieces.count == 1 || (digits(pieces[1]) && pieces[1].count <= 2),
            let kronor = Int64(pieces[0])
        else { throw CLIError("\(service): expected kronor like 12.50, got '\(parts[1])'") }
        let fraction = pieces.count == 2 ? String(pieces[1]).padding(toLength: 2, withPad: "0", startingAt: 0) : "00"
        // At most nine digits of kronor, so the öre fit in 64 bits; invoicing checks the platform's maximum.
        return SetCreditorPrices.Price(
            service: service,
            price: Money(minorUnits: kronor * 100 + (Int64(fraction) ?? 0), .sek)
        )
    }

    /// A path segment with everything but unreserved characters percent-encoded.
    static func pathSegment(_ text: String) throws -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        guard let encoded = text.addingPercentEncoding(withAllowedCharacters: allowed) else {
            throw CLIError("'\(text)' cannot be put in a URL")
        }
        return encoded
    }

    static func table(_ list: PriceListBody) -> String {
        let rows = list.prices.map { entry in
            [
                entry.service, "\(entry.price)",
                entry.source == "default" ? "default" : "own (default \(entry.defaultPrice))",
            ]
        }
        return "prices of \(list.creditorID)\n" + CLI.table(["SERVICE", "PRICE", "SOURCE"], rows)
    }

    /// What `GET /v1/creditors/{id}/prices` answers.
    struct PriceListBody: Decodable {
        struct Entry: Decodable {
            let service: String
            let price: Money
            let source: String
            let defaultPrice: Money
        }
        let creditorID: String
        let prices: [Entry]
    }

    /// What `GET /v1/creditors/{id}/statements/{month}` answers.
    struct StatementBody: Decodable {
        struct Line: Decodable {
            let service: String
            let unitPrice: Money
            let count: Int
            let total: Money
        }
        struct Fee: Decodable {}
        let month: String
        let lines: [Line]
        let total: Money
        let fees: [Fee]
    }
}
