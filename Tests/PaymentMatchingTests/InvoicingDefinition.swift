import KvittContracts
import KvittMessaging

@testable import Invoicing

/// The invoicing service and the upstream commands that give payment-matching something to match.
enum InvoicingDefinition {
    static let definition = InvoicingService.definition

    static let creditor = RegisterCreditor(
        creditorID: "acme",
        name: "Acme Konsult AB",
        organisationNumber: "556677-8899",
        bankgiro: "5050-1055",
        reminderFeeAgreed: true,
        paymentTermsDays: 30,
        ocrControl: .init(level: "hard"),
        invoiceNumberSeries: .init(start: 5001)
    )

    static func invoice(externalID: String, hours: String) -> CreateInvoice {
        CreateInvoice(
            creditorID: "acme",
            externalID: externalID,
            debtor: Debtor(kind: "company", name: "Kund AB", identityNumber: "556036-0793"),
            currency: "SEK",
            invoiceDate: CalendarDate("2026-03-02")!,
            lines: [
                .init(
                    description: "Konsulttimme",
                    quantity: DecimalQuantity(hours)!,
                    unit: "h",
                    unitPrice: 100_000,
                    vatRate: 25
                )
            ]
        )
    }
}
