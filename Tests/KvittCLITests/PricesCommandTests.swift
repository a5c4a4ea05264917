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

    /// A creditor id or month from the operator is one path segment whatever it holds: a slash, a query, a space or
    /// a non-ASCII letter cannot reach another route.
    @Test(arguments: [
        ("acme", "acme"), ("a/b", "a%2Fb"), ("x?json=1#y", "x%3Fjson%3D1%23y"), ("Åsa AB", "%C3%85sa%20AB"),
        ("2026-13", "2026-13"),
    ])
    func aPathSegmentIsEncodedWhole(_ text: String, _ encoded: String) throws {
        #expect(try PricesCommand.pathSegment(text) == encoded)
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

        let set = try await CommandRun.kvitt([
            "prices", "set", "--exchange", service.exchange,
            "--creditor", "acme", "reminder=12.50", "invoice-by-post=12",
        ])
        #expect(set.status == 0, "\(set.errors)")
        let prices = try #require(await recorder.wait(for: CreditorPricesSet.self))
        #expect(prices.prices.map(\.service) == [.invoiceByPost, .reminder])

        let shown = try await CommandRun.kvitt([
            "prices", "show", "--creditor", "acme", "--invoicing-url", invoicingURL,
        ])
        #expect(shown.status == 0, "\(shown.errors)")
        let reminderLine = shown.output.split(separator: "\n").first { $0.hasPrefix("reminder ") }
        #expect(reminderLine?.contains("12.50 SEK") == true && reminderLine?.contains("own") == true, "\(shown.output)")
        let invoiceLine = shown.output.split(separator: "\n").first { $0.hasPrefix("invoice ") }
        #expect(invoiceLine?.contains("default") == true, "\(shown.output)")

        let month = String(CalendarDate.today(at: Date()).description.prefix(7))
        let statement = try await CommandRun.kvitt([
            "prices", "statement", "--creditor", "acme", "--month", month, "--invoicing-url", invoicingURL,
        ])
        #expect(statement.status == 0, "\(statement.errors)")
        #expect(statement.output.contains("total 0.00 SEK for \(month), 0 fee(s)"), "\(statement.output)")

        let badMonth = try await CommandRun.kvitt([
            "prices", "statement", "--creditor", "acme", "--month", "2026-13", "--invoicing-url", invoicingURL,
        ])
        #expect(badMonth.status == 2)
        #expect(badMonth.errors.hasPrefix("kvitt: invoicing answered HTTP 400: month:"), "\(badMonth.errors)")
        let unknown = try await CommandRun.kvitt([
            "prices", "show", "--creditor", "nobody", "--invoicing-url", invoicingURL,
        ])
        #expect(unknown.status == 2 && unknown.errors.contains("HTTP 404"), "\(unknown.errors)")

        await publisher.stop()
        await recorder.stop()
        try await service.stop()
    }
}
