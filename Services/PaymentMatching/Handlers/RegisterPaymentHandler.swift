import KvittContracts
import KvittMessaging

/// Registers one payment (bankgiro, Swish, card or manual) and matches it.
struct RegisterPaymentHandler: MessageHandler {
    static let sources: Set<String> = ["bankgiro", "swish", "card", "manual"]

    func handle(_ command: RegisterPayment, context: HandlerContext) throws {
        var errors: [FieldError] = []
        if !Self.sources.contains(command.source) {
            errors.append(FieldError("source", "must be bankgiro, swish, card or manual"))
        }
        if command.sourceID.trimmingCharacters(in: .whitespaces).isEmpty {
            errors.append(FieldError("sourceID", "must not be empty: it makes a repeated registration harmless"))
        }
        if command.amount.amount <= 0 { errors.append(FieldError("amount", "must be above zero")) }
        if command.amount.amount > MinorUnits.bound {
            errors.append(FieldError("amount", "must be at most \(MinorUnits.bound) minor units"))
        }
        if (command.source == "bankgiro" || command.source == "swish") && command.amount.currency != .sek {
            errors.append(FieldError("amount.currency", "\(command.source) payments are in SEK"))
        }
        var payeeBankgiro: String?
        if let bankgiro = command.payeeBankgiro {
            do {
                payeeBankgiro = try BankgiroNumber(parsing: bankgiro).canonical
            } catch {
                errors.append(FieldError("payeeBankgiro", "\(error)"))
            }
        }
        if command.source == "manual" && command.invoiceID == nil && command.reference == nil && command.message == nil
        {
            errors.append(FieldError("invoiceID", "a manual registration names the invoice it pays (or a reference)"))
        }
        if let invoiceID = command.invoiceID, try ReceivableRecord.fetchOne(context.db, key: invoiceID) == nil {
            errors.append(FieldError("invoiceID", "no issued invoice '\(invoiceID)'"))
        }
        guard errors.isEmpty else { return try context.reject(errors) }

        var structured: [IncomingPayment.StructuredReference] = []
        var freeTexts: [String] = []
        if let reference = command.reference {
            // Only a reference with a valid check digit is taken as an OCR; anything else is searched as text.
            if let ocr = try? OCRReference(parsing: reference) {
                structured.append(.init(text: ocr.canonical, amount: nil, method: .ocr))
            } else {
                freeTexts.append(reference)
            }
        }
        if let message = command.message { freeTexts.append(message) }
        try PaymentMatcher.register(
            IncomingPayment(
                source: command.source,
                sourceID: command.sourceID,
                amount: command.amount,
                paymentDate: command.paymentDate,
                structuredReferences: structured,
                freeTexts: freeTexts,
                displayReference: command.reference,
                message: command.message,
                payer: command.payer,
                creditorID: command.creditorID,
                payeeBankgiro: payeeBankgiro,
                invoiceID: command.invoiceID
            ),
            context: context
        )
    }
}
