import Foundation
import KvittContracts
import KvittMessaging

/// Attests a draft: assigns the next number and an OCR reference, fixes the payment means, and issues it.
///
/// A ROT/RUT invoice waits for tax-reduction's answer: the buyer's amount due is the total minus the allocated
/// reduction, and a rejected reduction blocks the invoice with its reason.
struct AttestInvoiceHandler: MessageHandler {
    func handle(_ command: AttestInvoice, context: HandlerContext) throws {
        guard var invoice = try InvoiceRecord.find(command.invoiceID, context.db) else {
            return try context.reject([FieldError("invoiceID", "no invoice '\(command.invoiceID)'")])
        }
        guard invoice.status == .draft else {
            return try context.reject([FieldError("invoiceID", "the invoice is already attested")])
        }
        switch invoice.reductionState {
        case .pending:
            return try context.reject([
                FieldError("invoiceID", "the ROT/RUT reduction has not been allocated by tax-reduction yet")
            ])
        case .rejected:
            return try context.reject([
                FieldError(
                    "invoiceID",
                    "blocked: tax-reduction rejected the ROT/RUT request (\(invoice.reductionDetail ?? ""))"
                )
            ])
        case .none, .allocated:
            break
        }
        // A credit of ROT/RUT labour takes back its share of the original's reduction (negative on the credit).
        let original = try invoice.originalInvoiceID.flatMap { try InvoiceRecord.find($0, context.db) }
        let created = try invoice.createdEvent
        let lowered: CreditInvoiceRules.LoweredReduction?
        do {
            lowered = try original.flatMap { try CreditInvoiceRules.lowerReduction(of: $0, byCrediting: created.lines) }
        } catch let errors as FieldErrors {
            return try context.reject(errors.errors)
        }
        if let lowered {
            // Whole kronor per buyer: crediting a few öre of labour could take back more than it credits.
            guard lowered.takenBack <= -invoice.total else {
                return try context.reject([
                    FieldError(
                        "invoiceID",
                        "the credit would take back \(invoice.money(lowered.takenBack)) of the ROT/RUT reduction, "
                            + "more than the \(invoice.money(-invoice.total)) it credits"
                    )
                ])
            }
            invoice.reductionAmount = -lowered.takenBack
        }
        guard var creditor = try CreditorRecord.fetchOne(context.db, key: invoice.creditorID) else {
            return try context.reject([FieldError("invoiceID", "the invoice's creditor is no longer registered")])
        }
        let settings = try creditor.registration
        let level = CreditorValidation.ocrLevel(settings.ocrControl) ?? .hard
        let number = creditor.nextNumber
        let ocr: OCRReference
        do {
            ocr = try InvoiceNumbering.ocr(for: number, level: level)
        } catch {
            return try context.reject([
                FieldError("invoiceNumberSeries", "invoice number \(number) gives no valid OCR: \(error)")
            ])
        }
        let currency = invoice.currencyValue
        let means: InvoiceIssued.PaymentMeans
        if currency == .sek && created.debtor.isDomestic {
            let bankgiro = try BankgiroNumber(parsing: settings.bankgiro)
            means = .init(
                kind: "bankgiro-ocr",
                bankgiro: bankgiro.formatted,
                reference: ocr.canonical,
                reconcilableFromBankgiro: true
            )
        } else if let account = settings.foreignAccounts.first(where: { $0.currency == currency.code }) {
            means = .init(
                kind: "iban",
                iban: try IBAN(parsing: account.iban).printFormat,
                bic: try BIC(parsing: account.bic).canonical,
                reference: ocr.canonical,
                reconcilableFromBankgiro: false
            )
        } else {
            return try context.reject([FieldError("currency", "the creditor has no IBAN account for \(currency.code)")])
        }
        creditor.nextNumber += 1
        try creditor.update(context.db)

        invoice.status = .issued
        invoice.number = String(number)
        invoice.ocr = ocr.canonical
        invoice.amountDue = invoice.total - invoice.reductionAmount
        invoice.issuedAt = context.now.timeIntervalSince1970
        let issued = InvoiceIssued(
            invoiceID: invoice.id,
            creditorID: invoice.creditorID,
            invoiceNumber: String(number),
            ocr: ocr.canonical,
            kind: invoice.kind,
            invoiceDate: created.invoiceDate,
            dueDate: created.dueDate,
            total: invoice.money(invoice.total),
            taxReduction: invoice.money(invoice.reductionAmount),
            amountDue: invoice.money(invoice.amountDue),
            debtor: created.debtor,
            paymentMeans: means
        )
        invoice.issued = Data(try MessageCoding.encode(issued))
        try InvoiceStore.update(
            invoice,
            event: "issued",
            detail: "number \(number), OCR \(ocr.canonical), due \(created.dueDate), "
                + "amount due \(invoice.money(invoice.amountDue))",
            context: context
        )
        let issuedEvent = try context.publish(issued)
        if invoice.kind == "debit" {
            // Invoicing's own act, charged in the transaction that issues it (no round trip through its own queue).
            try PlatformFees.charge(
                PlatformFees.Act(
                    event: issuedEvent,
                    service: .invoice,
                    creditorID: invoice.creditorID,
                    on: CalendarDate.today(at: context.now),
                    invoiceID: invoice.id
                ),
                context: context
            )
        }
        if let original {
            try CreditInvoiceRules.creditOriginal(original, by: invoice, lowering: lowered, context: context)
        }
    }
}
