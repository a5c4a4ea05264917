import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// Imports a BgMax file: checks that it adds up, then registers and matches every payment in it, in one
/// transaction. A file that does not add up is rejected with the reason; the same file twice changes nothing.
struct ImportBankgiroFileHandler: MessageHandler {
    /// Larger files are parked as `too-large` before they are parsed (`MAX_BANK_FILE_BYTES`).
    var maximumBytes = ServiceSettings.defaultMaximumBankFileBytes

    func handle(_ command: ImportBankgiroFile, context: HandlerContext) throws {
        // Counted in UTF-8, before anything else looks at the file: the check costs one pass over the bytes.
        let size = command.content.utf8.count
        guard size <= maximumBytes else {
            throw PermanentFailure.tooLarge(
                "bankgiro file of \(size) bytes is over the maximum of \(maximumBytes) (MAX_BANK_FILE_BYTES)"
            )
        }
        guard let bytes = command.latin1Bytes else {
            return try context.reject([FieldError("content", "not ISO-8859-1 text: a character above U+00FF")])
        }
        let file: BgMaxFile
        do {
            file = try BgMaxParser.parse(bytes)
        } catch {
            return try context.reject([FieldError("content", "\(error)")])
        }
        // Bankgiro settles in kronor, as register-payment also requires; a deposit in another currency would be
        // summed and matched as if it were SEK.
        let foreign = file.deposits.filter { $0.currency != .sek }.map {
            "\($0.depositSerialNumber) (\($0.currency.code))"
        }
        guard foreign.isEmpty else {
            return try context.reject([
                FieldError(
                    "content",
                    "bankgiro payments are in SEK; deposits in another currency: \(foreign.joined(separator: ", "))"
                )
            ])
        }
        let fileKey = Self.key(file)
        let seen = try Bool.fetchOne(
            context.db,
            sql: "SELECT EXISTS(SELECT 1 FROM bankgiro_file WHERE fileKey = ?)",
            arguments: [fileKey]
        )
        if seen == true {
            context.logger.info("bankgiro file already imported", metadata: ["file.key": "\(fileKey)"])
            return
        }
        // The parser refuses a file whose sums overflow; what is left must also stay within the bound every service
        // keeps amounts to, or the receivables' balances could not be computed.
        guard let total = MinorUnits.total(file.deposits.map(\.total.amount)) else {
            return try context.reject([
                FieldError("content", "the deposits sum to more than \(MinorUnits.bound) minor units")
            ])
        }
        var payments = 0
        for deposit in file.deposits {
            // BgMax gives it without the zero padding already (BgMaxDeposit).
            let payeeBankgiro = deposit.payeeBankgiro
            // Once per deposit, not per payment: every payment in it went to the same bankgiro.
            let creditorID = try PaymentMatcher.creditor(receivingOn: payeeBankgiro, context.db)
            for (position, payment) in deposit.payments.enumerated() {
                payments += 1
                var incoming = Self.incoming(
                    payment,
                    position: position,
                    deposit: deposit,
                    payeeBankgiro: payeeBankgiro
                )
                incoming.receivingCreditorID = .some(creditorID)
                try PaymentMatcher.register(incoming, context: context)
            }
        }
        try context.db.execute(
            sql:
                "INSERT INTO bankgiro_file (fileKey, fileName, importedAt, deposits, payments, total) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                fileKey, command.fileName, context.now.timeIntervalSince1970, file.deposits.count, payments, total,
            ]
        )
        try context.publish(
            BankgiroFileImported(
                fileKey: fileKey,
                deposits: file.deposits.count,
                payments: payments,
                total: Money(minorUnits: total, .sek)
            )
        )
    }

    /// What makes a file the same file: its write time and its deposits (bankgiro, date, serial number).
    static func key(_ file: BgMaxFile) -> String {
        file.header.timestamp.text + "/"
            + file.deposits.map { "\($0.payeeBankgiro):\($0.paymentDate):\($0.depositSerialNumber)" }.joined(
                separator: ","
            )
    }

    /// The payment as matching sees it. Its source id is the deposit (bankgiro, date, serial number) and its position
    /// in it: Bankgirot's own sample files repeat BGC serial numbers within a deposit, so the serial alone is not unique.
    static func incoming(_ payment: BgMaxPayment, position: Int, deposit: BgMaxDeposit, payeeBankgiro: String)
        -> IncomingPayment
    {
        var trusted: [String] = []
        var freeTexts: [String] = []
        for reference in payment.references where !reference.text.isEmpty {
            if reference.code.isVerified {
                trusted.append(reference.text)
            } else {
                freeTexts.append(reference.text)
            }
        }
        freeTexts += payment.informationTexts
        let main = payment.mainReference.text
        return IncomingPayment(
            source: "bankgiro",
            sourceID: "\(payeeBankgiro)-\(deposit.paymentDate)-\(deposit.depositSerialNumber)-\(position + 1)",
            // A deduction is money taken back from the deposit: a negative payment, as the README says.
            amount: payment.signedAmount,
            paymentDate: deposit.paymentDate,
            trustedReferences: trusted,
            freeTexts: freeTexts,
            displayReference: main.isEmpty ? nil : main,
            message: payment.informationTexts.first,
            payer: RegisterPayment.Payer(
                name: payment.payer?.name,
                bankgiro: payment.senderBankgiro,
                organisationNumber: payment.payer?.organisationNumber
            ),
            creditorID: nil,
            payeeBankgiro: payeeBankgiro,
            invoiceID: nil,
            isDeduction: payment.kind == .deduction
        )
    }
}
