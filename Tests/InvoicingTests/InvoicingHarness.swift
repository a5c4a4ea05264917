import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import KvittTesting
import Logging
import Testing

@testable import Invoicing

/// Runs invoicing's real handlers on an in-memory database through the runtime's processor, and reads back
/// what each command published.
struct InvoicingHarness {
    let harness: ServiceHarness
    var store: MessageStore { harness.store }

    init() throws {
        harness = try ServiceHarness(
            name: "invoicing",
            migrations: { InvoicingSchema.register(&$0) },
            handlers: { InvoicingService.registerHandlers(&$0) }
        )
    }

    /// Sends a message and returns the outcome and the messages it published.
    @discardableResult
    func send<M: KvittMessage>(_ message: M, id: String = UUID().uuidString) async throws -> ServiceHarness.Published {
        try await harness.send(message, id: id)
    }

    /// A ROT invoice (20 h of labour, 12 500 kr with VAT, and timber) for one buyer, its 3 750 kr reduction
    /// allocated, attested.
    func issuedROTInvoice(materialPrice: Int64) async throws -> InvoiceCreated {
        let command = InvoicingHarness.rotInvoice(buyers: ["19811218-9876"], materialPrice: materialPrice)
        let created = try #require(try await send(command).first(InvoiceCreated.self))
        try await send(
            ReductionAllocated(
                invoiceID: created.invoiceID,
                kind: "rot",
                total: Money(minorUnits: 375_000, .sek),
                buyers: [.init(personnummer: "198112189876", amount: Money(minorUnits: 375_000, .sek), hours: 20)]
            )
        )
        try await send(AttestInvoice(invoiceID: created.invoiceID))
        return created
    }

    func record(_ id: String) async throws -> InvoiceRecord? {
        try await store.writer.read { db in try InvoiceRecord.find(id, db) }
    }

    static func creditor(id: String = "acme", level: String = "hard", lengths: [Int]? = nil) -> RegisterCreditor {
        RegisterCreditor(
            creditorID: id,
            name: "Acme Bygg AB",
            organisationNumber: "556677-8899",
            bankgiro: "5050-1055",
            foreignAccounts: [.init(currency: "EUR", iban: "SE45 5000 0000 0583 9825 7466", bic: "ESSESESS")],
            reminderFeeAgreed: true,
            paymentTermsDays: 30,
            ocrControl: .init(level: level, lengths: lengths),
            invoiceNumberSeries: .init(start: 1001),
            warningWindowDays: 3
        )
    }

    /// A ROT or RUT labour line at 25 % VAT, in hours.
    static func labourLine(
        _ description: String,
        _ quantity: String,
        unitPrice: Int64,
        kind: String,
        workType: String,
        hours: String? = nil
    ) -> CreateInvoice.Line {
        CreateInvoice.Line(
            description: description,
            quantity: DecimalQuantity(quantity)!,
            unit: "h",
            unitPrice: unitPrice,
            vatRate: 25,
            taxReduction: .init(kind: kind, workType: workType, hours: hours.flatMap(DecimalQuantity.init))
        )
    }

    /// A ROT invoice: 20 h of carpentry at 500 kr and timber, on a house, for the given buyers.
    static func rotInvoice(buyers: [String], materialPrice: Int64) -> CreateInvoice {
        invoice(
            lines: [
                labourLine("Snickeri", "20", unitPrice: 50_000, kind: "rot", workType: "Bygg", hours: "20"),
                .init(description: "Virke", quantity: DecimalQuantity("1")!, unitPrice: materialPrice, vatRate: 25),
            ],
            taxReduction: .init(buyers: buyers, hoursToReport: 20, propertyDesignation: "Kåbo 1:1")
        )
    }

    static let domesticDebtor = Debtor(
        kind: "private",
        name: "Anna Andersson",
        identityNumber: "19811218-9876",
        address: .init(street: "Storgatan 1", postalCode: "111 22", city: "Stockholm")
    )

    static let foreignDebtor = Debtor(
        kind: "company",
        name: "Müller GmbH",
        country: "DE",
        address: .init(street: "Hauptstraße 5", postalCode: "10115", city: "Berlin")
    )

    static func invoice(
        externalID: String = "ext-1",
        debtor: Debtor = domesticDebtor,
        currency: String = "SEK",
        lines: [CreateInvoice.Line] = [
            .init(
                description: "Konsulttimme",
                quantity: DecimalQuantity("10")!,
                unit: "h",
                unitPrice: 95_000,
                vatRate: 25
            )
        ],
        taxReduction: CreateInvoice.TaxReductionRequest? = nil
    ) -> CreateInvoice {
        CreateInvoice(
            creditorID: "acme",
            externalID: externalID,
            debtor: debtor,
            currency: currency,
            invoiceDate: CalendarDate("2026-03-02")!,
            lines: lines,
            taxReduction: taxReduction
        )
    }
}

extension ServiceHarness.Published {
    var rejection: CommandRejection? { rejection(InvoicingCommandRejected.self) }
    var rejectedFields: [String] { rejection?.errors.map(\.field) ?? [] }
}
