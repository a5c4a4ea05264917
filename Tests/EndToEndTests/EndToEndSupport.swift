import Foundation
import KvittContracts
import KvittTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An amount in kronor and öre, written in öre: `sek(125_000)` is 1 250,00 kr.
func sek(_ ore: Int64) -> Money { Money(minorUnits: ore, .sek) }

/// An amount in euro, written in cents.
func eur(_ cents: Int64) -> Money { Money(minorUnits: cents, .eur) }

/// The creditors, debtors and lines the end-to-end flows use: realistic Swedish data with valid check digits.
enum Fixture {
    /// Anna Andersson, a private person (personnummer 19811218-9876).
    static let anna = Debtor(
        kind: "private",
        name: "Anna Andersson",
        identityNumber: "19811218-9876",
        address: .init(street: "Storgatan 1", postalCode: "753 20", city: "Uppsala"),
        email: "anna.andersson@example.se"
    )

    /// Bo Berg, a private person (personnummer 19800101-0019).
    static let bo = Debtor(
        kind: "private",
        name: "Bo Berg",
        identityNumber: "19800101-0019",
        address: .init(street: "Kungsgatan 12", postalCode: "111 43", city: "Stockholm")
    )

    /// Kund AB, a Swedish company (organisationsnummer 556036-0793).
    static let kundAB = Debtor(
        kind: "company",
        name: "Kund AB",
        identityNumber: "556036-0793",
        address: .init(street: "Industrivägen 4", postalCode: "421 30", city: "Västra Frölunda")
    )

    /// A German company: invoiced in euro, paid to the creditor's IBAN.
    static let germanCompany = Debtor(
        kind: "company",
        name: "Müller Bau GmbH",
        country: "DE",
        address: .init(street: "Hauptstraße 5", postalCode: "10115", city: "Berlin")
    )

    /// The creditor's euro account (a Swedish IBAN with a valid mod-97 check).
    static let euroAccount = RegisterCreditor.ForeignAccount(
        currency: "EUR",
        iban: "SE45 5000 0000 0583 9825 7466",
        bic: "ESSESESS"
    )

    /// A creditor on bankgiro 5050-1055 with invoice numbers from 1001 and the given collection settings.
    static func creditor(
        _ id: String,
        name: String = "Byggfirman i Uppsala AB",
        reminderFeeAgreed: Bool = true,
        paymentTermsDays: Int = 30,
        collection: RegisterCreditor.CollectionSettings? = nil,
        foreignAccounts: [RegisterCreditor.ForeignAccount] = []
    ) -> RegisterCreditor {
        RegisterCreditor(
            creditorID: id,
            name: name,
            organisationNumber: "556677-8899",
            bankgiro: "5050-1055",
            foreignAccounts: foreignAccounts,
            reminderFeeAgreed: reminderFeeAgreed,
            paymentTermsDays: paymentTermsDays,
            ocrControl: .init(level: "hard"),
            invoiceNumberSeries: .init(start: 1001),
            collection: collection
        )
    }

    /// A line: quantity × unit price (öre or cents, excluding VAT) at a VAT rate.
    static func line(
        _ description: String,
        _ quantity: String,
        unitPrice: Int64,
        vatRate: Int = 25,
        unit: String? = "st"
    ) -> CreateInvoice.Line {
        CreateInvoice.Line(
            description: description,
            quantity: DecimalQuantity(quantity)!,
            unit: unit,
            unitPrice: unitPrice,
            vatRate: vatRate
        )
    }

    /// A labour line marked ROT or RUT, with its hours.
    static func labour(
        _ description: String,
        hours: String,
        unitPrice: Int64,
        kind: String,
        workType: String
    ) -> CreateInvoice.Line {
        CreateInvoice.Line(
            description: description,
            quantity: DecimalQuantity(hours)!,
            unit: "tim",
            unitPrice: unitPrice,
            vatRate: 25,
            taxReduction: .init(kind: kind, workType: workType, hours: DecimalQuantity(hours))
        )
    }

    /// An invoice dated `date`.
    static func invoice(
        _ creditorID: String,
        _ externalID: String,
        debtor: Debtor,
        date: CalendarDate,
        paymentTermsDays: Int? = nil,
        currency: String = "SEK",
        lines: [CreateInvoice.Line],
        taxReduction: CreateInvoice.TaxReductionRequest? = nil
    ) -> CreateInvoice {
        CreateInvoice(
            creditorID: creditorID,
            externalID: externalID,
            debtor: debtor,
            currency: currency,
            invoiceDate: date,
            paymentTermsDays: paymentTermsDays,
            lines: lines,
            ourReference: "Karin Ek",
            yourReference: debtor.name,
            taxReduction: taxReduction
        )
    }

    /// Riksbank reference rates beyond the built-in table (which ends 2026-06-30), 2.00 % for every half-year through
    /// 2035: without them interest stops at the table's end and the Kronofogden application cannot be dated today.
    static let referenceRates: String = (2026...2035).flatMap { year in ["\(year)-01-01:200", "\(year)-07-01:200"] }
        .filter { $0 >= "2026-07-01" }
        .joined(separator: ",")
}

/// A message parked in a dead-letter queue, as `kvitt dead-letters list --json` prints it.
struct ParkedMessage: Decodable, Sendable {
    let id: String
    let service: String
    let type: String
    let reason: String
    let detail: String
    let failedAt: String
    let retryCount: Int
    let replayCount: Int
}

extension RunningSystem {
    /// GETs a read-API path and decodes its JSON; `nil` when it does not answer 200 with that shape.
    func read<Value: Decodable>(_ type: Value.Type, _ service: String, _ path: String) async -> Value? {
        try? await BooksAudit.read(type, port: port(service), path: path, timeout: 5)
    }

    /// Waits until a read-API path answers with a value that satisfies `condition`, and returns it.
    func read<Value: Decodable>(
        _ type: Value.Type,
        _ service: String,
        _ path: String,
        timeout: Duration = .seconds(15),
        until condition: (Value) -> Bool
    ) async -> Value? {
        var found: Value?
        _ = await TestBroker.eventually(timeout: timeout) {
            guard let value = await self.read(type, service, path), condition(value) else { return false }
            found = value
            return true
        }
        return found
    }

    /// Every item a list path selects, read page by page; `nil` when a page does not answer 200 with that shape.
    func list<Item: Decodable>(_ type: Item.Type, _ service: String, _ path: String) async -> [Item]? {
        try? await BooksAudit.pages(type, port: port(service), path: path)
    }

    /// Waits until a list path's items satisfy `condition`, and returns them.
    func list<Item: Decodable>(
        _ type: Item.Type,
        _ service: String,
        _ path: String,
        timeout: Duration = .seconds(15),
        until condition: ([Item]) -> Bool
    ) async -> [Item]? {
        var found: [Item]?
        _ = await TestBroker.eventually(timeout: timeout) {
            guard let items = await self.list(type, service, path), condition(items) else { return false }
            found = items
            return true
        }
        return found
    }

    /// Invoicing's view of an invoice, with its history.
    func invoice(_ id: String) async -> BooksAudit.Invoice? {
        await read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(id)")
    }

    /// Payment-matching's receivable of an invoice.
    func receivable(_ invoiceID: String) async -> BooksAudit.Receivable? {
        await read(BooksAudit.Receivable.self, "payment-matching", "/v1/receivables/\(invoiceID)")
    }

    /// Debt-collection's case of an invoice.
    func collectionCase(_ invoiceID: String) async -> BooksAudit.CollectionCase? {
        await read(BooksAudit.CollectionCase.self, "debt-collection", "/v1/cases/\(invoiceID)")
    }

    /// What the books audit still finds wrong with a creditor's books once the services have caught up.
    func booksViolations(creditor: String) async -> [String] {
        await BooksAudit.balanced(
            invoicingPort: port("invoicing"),
            paymentMatchingPort: port("payment-matching"),
            debtCollectionPort: port("debt-collection"),
            creditorID: creditor
        )
    }

    /// Creates an invoice and attests it as an upstream system does; returns what invoicing issued.
    func issue(_ command: CreateInvoice) async throws -> InvoiceIssued {
        let created = try await createDraft(command)
        try await send(AttestInvoice(invoiceID: created.invoiceID))
        return try #require(await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == created.invoiceID })
    }

    /// Creates a draft invoice and returns invoicing's invoice-created.
    func createDraft(_ command: CreateInvoice) async throws -> InvoiceCreated {
        try await send(command)
        return try #require(
            await recorder.wait(for: InvoiceCreated.self) {
                $0.creditorID == command.creditorID && $0.externalID == command.externalID
            }
        )
    }

    /// Registers a creditor and waits until invoicing confirms it.
    func register(_ creditor: RegisterCreditor) async throws {
        try await send(creditor)
        _ = try #require(
            await recorder.wait(for: CreditorRegistered.self) { $0.creditor.creditorID == creditor.creditorID }
        )
    }

    /// Moves every service's clock forward to `date`, by whole days (nothing when it is today or earlier).
    func advanceClock(to date: CalendarDate) async throws {
        let days = try await businessDate().days(until: date)
        guard days > 0 else { return }
        try await advanceClock("\(days)d")
    }

    /// The messages parked in a service's dead-letter queue (`kvitt dead-letters list --service … --json`).
    func deadLetters(_ executable: String) async throws -> [ParkedMessage] {
        // The CLI's default 5 s wait for the broker is for an operator; under the whole parallel suite a login can
        // take longer, and a slow login is not what these tests are about.
        let listed = try await kvitt([
            "dead-letters", "list", "--service", services[executable]!.name, "--json", "--timeout", "30",
        ])
        // A failing CLI or a changed format must fail the test, never read as "nothing parked".
        try #require(listed.status == 0, "kvitt dead-letters list: \(listed.output)")
        return try listed.output.split(separator: "\n").filter { $0.hasPrefix("{") }.map { line in
            try JSONDecoder().decode(ParkedMessage.self, from: Data(line.utf8))
        }
    }

    /// Waits until a message with `id` is parked in a service's dead-letter queue, and returns it.
    func parked(_ executable: String, id: String, timeout: Duration = .seconds(20)) async throws -> ParkedMessage? {
        var found: ParkedMessage?
        _ = try await TestBroker.eventually(timeout: timeout) {
            found = try await self.deadLetters(executable).first { $0.id == id }
            return found != nil
        }
        return found
    }

    /// GETs a path and returns the raw bytes with the content type, for downloads (CSV, XML).
    func download(_ service: String, _ path: String) async throws -> (status: Int, contentType: String?, bytes: [UInt8])
    {
        let url = try #require(URL(string: "http://127.0.0.1:\(port(service))\(path)"))
        var request = URLRequest(url: url)
        request.timeoutInterval = 10
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type"), [UInt8](data))
    }
}
