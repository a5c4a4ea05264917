import Foundation
import KvittContracts
import KvittMessaging
import KvittTesting

@testable import PaymentMatching

/// Payment-matching's real handlers on an in-memory database.
struct PaymentMatchingHarness {
    let harness: ServiceHarness

    /// - Parameter allowTestBankFiles: books BgMax files marked `T` (Bankgirot's sample is one).
    init(maximumBankFileBytes: Int = ServiceSettings.defaultMaximumBankFileBytes, allowTestBankFiles: Bool = false)
        throws
    {
        harness = try ServiceHarness(
            name: "payment-matching",
            migrations: { PaymentMatchingSchema.register(&$0) },
            handlers: {
                PaymentMatchingService.registerHandlers(
                    &$0,
                    maximumBankFileBytes: maximumBankFileBytes,
                    allowTestBankFiles: allowTestBankFiles
                )
            }
        )
    }

    @discardableResult
    func send<M: KvittMessage>(_ message: M, id: String = UUID().uuidString) async throws -> ServiceHarness.Published {
        try await harness.send(message, id: id)
    }

    func receivable(_ invoiceID: String) async throws -> ReceivableRecord? {
        try await harness.store.writer.read { db in try ReceivableRecord.fetchOne(db, key: invoiceID) }
    }

    /// The unmatched payments as the read API's first page lists them.
    func listedUnmatched() async throws -> [PaymentQueries.PaymentView] {
        try await PaymentQueries(writer: harness.store.writer).payments(status: [.unmatched], page: PageRequest()).items
    }

    func payment(_ id: String) async throws -> PaymentRecord? {
        try await harness.store.writer.read { db in try PaymentRecord.fetchOne(db, key: id) }
    }

    /// An issued SEK invoice payable to bankgiro 5050-1055 with the OCR of its number (hard control).
    static func issued(
        _ invoiceID: String,
        number: Int64,
        amount: Int64,
        currency: Currency = .sek,
        iban: Bool = false,
        creditorID: String = "acme"
    ) throws -> InvoiceIssued {
        let ocr = try OCRReference.make(from: String(number), for: .hard).canonical
        return InvoiceIssued(
            invoiceID: invoiceID,
            creditorID: creditorID,
            invoiceNumber: String(number),
            ocr: ocr,
            kind: "debit",
            invoiceDate: CalendarDate("2026-03-02")!,
            dueDate: CalendarDate("2026-04-01")!,
            total: Money(minorUnits: amount, currency),
            taxReduction: .zero(currency),
            amountDue: Money(minorUnits: amount, currency),
            debtor: Debtor(kind: "company", name: "Kund AB", identityNumber: "5560360793"),
            paymentMeans: iban
                ? .init(
                    kind: "iban",
                    iban: "SE45 5000 0000 0583 9825 7466",
                    bic: "ESSESESS",
                    reference: ocr,
                    reconcilableFromBankgiro: false
                )
                : .init(kind: "bankgiro-ocr", bankgiro: "5050-1055", reference: ocr, reconcilableFromBankgiro: true)
        )
    }

    static func bankgiroPayment(_ sourceID: String, amount: Int64, reference: String?, message: String? = nil)
        -> RegisterPayment
    {
        RegisterPayment(
            source: "bankgiro",
            sourceID: sourceID,
            amount: Money(minorUnits: amount, .sek),
            paymentDate: CalendarDate("2026-03-20")!,
            reference: reference,
            message: message,
            payeeBankgiro: "5050-1055"
        )
    }
}

extension ServiceHarness.Published {
    var rejectedFields: [String] { rejection(PaymentMatchingCommandRejected.self)?.errors.map(\.field) ?? [] }
}
