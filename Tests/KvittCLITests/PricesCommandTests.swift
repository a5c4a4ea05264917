import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Invoicing
@testable import Kvitt

/// `kvitt prices`: the real binary sets a creditor's prices through the real broker and reads the price list and the
/// statement from the real invoicing service's HTTP API.
@Suite("kvitt prices")
struct PricesCommandTests {
    /// Runs the `kvitt` executable; returns its exit status, standard output and standard error.
    static func kvitt(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = TestBroker.executable("kvitt")
        process.arguments = arguments
        // The broker through the environment: a password never goes on a command line.
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["AMQP_URL": TestBroker.url.environmentValue]
        ) { _, broker in broker }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let outputText = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, outputText, errorText)
    }

    @Test(arguments: [
        ("reminder=12.50", "reminder", Int64(1_250)), ("invoice=3", "invoice", 300),
        ("claim-file=0,5", "claim-file", 50),
        ("letter-by-post=0.05", "letter-by-post", 5),
    ])
    func aPriceIsServiceEqualsKronor(_ text: String, _ service: String, _ ore: Int64) throws {
        #expect(try PricesCommand.price(text) == .init(service: service, price: Money(minorUnits: ore, .sek)))
    }

    @Test(arguments: ["faxing=1", "reminder", "reminder=", "reminder=1.234", "reminder=-1", "reminder=1e3", "=5"])
    func aMalformedPriceIsRefusedBeforeAnythingIsSent(_ text: String) {
        #expect(throws: CLIError.self) { try PricesCommand.price(text) }
    }

    @Test func setShowAndStatementAgainstTheRealService() async throws {
        let logger = TestBroker.logger("kvitt-prices")
        let service = try await InProcessService.start(InvoicingService.definition, logger: logger)
        let recorder = try await EventRecorder(exchange: service.exchange, patterns: ["invoicing.#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: logger)
        try await publisher.publish(
            service.message(
                RegisterCreditor(
                    creditorID: "acme",
                    name: "Acme Bygg AB",
                    organisationNumber: "556677-8899",
                    bankgiro: "5050-1055",
                    reminderFeeAgreed: true,
                    paymentTermsDays: 30,
                    ocrControl: .init(level: "hard"),
                    invoiceNumberSeries: .init(start: 1001)
                )
            )
        )
        #expect(await recorder.wait(for: CreditorRegistered.self) != nil)
        let invoicingURL = "http://127.0.0.1:\(service.port)"

        let set = try Self.kvitt([
            "prices", "set", "--exchange", service.exchange,
            "--creditor", "acme", "reminder=12.50", "invoice-by-post=12",
        ])
        #expect(set.status == 0, "\(set.errors)")
        let prices = try #require(await recorder.wait(for: CreditorPricesSet.self))
        #expect(prices.prices.map(\.service) == [.invoiceByPost, .reminder])

        let shown = try Self.kvitt(["prices", "show", "--creditor", "acme", "--invoicing-url", invoicingURL])
        #expect(shown.status == 0, "\(shown.errors)")
        let reminderLine = shown.output.split(separator: "\n").first { $0.hasPrefix("reminder ") }
        #expect(reminderLine?.contains("12.50 SEK") == true && reminderLine?.contains("own") == true, "\(shown.output)")
        let invoiceLine = shown.output.split(separator: "\n").first { $0.hasPrefix("invoice ") }
        #expect(invoiceLine?.contains("default") == true, "\(shown.output)")

        let month = String(CalendarDate.today(at: Date()).description.prefix(7))
        let statement = try Self.kvitt([
            "prices", "statement", "--creditor", "acme", "--month", month, "--invoicing-url", invoicingURL,
        ])
        #expect(statement.status == 0, "\(statement.errors)")
        #expect(statement.output.contains("total 0.00 SEK for \(month), 0 fee(s)"), "\(statement.output)")

        let badMonth = try Self.kvitt([
            "prices", "statement", "--creditor", "acme", "--month", "2026-13", "--invoicing-url", invoicingURL,
        ])
        #expect(badMonth.status == 2)
        #expect(badMonth.errors.hasPrefix("kvitt: invoicing answered HTTP 400: month:"), "\(badMonth.errors)")
        let unknown = try Self.kvitt(["prices", "show", "--creditor", "nobody", "--invoicing-url", invoicingURL])
        #expect(unknown.status == 2 && unknown.errors.contains("HTTP 404"), "\(unknown.errors)")

        await publisher.stop()
        await recorder.stop()
        try await service.stop()
    }
}
