import Foundation
import GRDB
import KvittContracts

/// Who paid, as matching recognises a payer: by organisation or personal number (the invoice's debtor's), and by the
/// bankgiro number or Swish number a payment came from, which payment-matching links to a debtor once a payment from
/// it settled that debtor's invoice by a reference ("payer history"). Free text only pays an invoice of the payer
/// (docs/domain.md §2.5).
struct PayerIdentity: Sendable, Equatable {
    /// The organisationsnummer or personnummer, normalised by ``identity(_:)``.
    var identity: String?
    /// The sending bankgiro number, digits without leading zeros.
    var bankgiro: String?
    /// The Swish number, digits with the country code (`46701234567`).
    var swishNumber: String?

    init(_ payer: RegisterPayment.Payer?) {
        identity = payer?.organisationNumber.flatMap(Self.identity)
        bankgiro = payer?.bankgiro.flatMap { text in
            let digits = String(Self.digits(text).drop { $0 == "0" })
            return digits.isEmpty ? nil : digits
        }
        swishNumber = payer?.swishNumber.flatMap(Self.swishNumber)
    }

    /// The keys payer history is recorded under.
    var keys: [String] {
        [identity.map { "id:\($0)" }, bankgiro.map { "bankgiro:\($0)" }, swishNumber.map { "swish:\($0)" }]
            .compactMap { $0 }
    }

    /// An organisationsnummer or personnummer as its ten digits, whatever its form: `556036-0793`, `5560360793`,
    /// BgMax TK29's zero-filled `005560360793`, `16556036 0793`, `19550101-1234`. `nil` when it is not ten or twelve
    /// digits.
    static func identity(_ text: String) -> String? {
        let digits = digits(text)
        switch digits.count {
        case 10: return digits
        case 12: return String(digits.suffix(10))
        default: return nil
        }
    }

    /// A Swish number as digits with the country code: `070-123 45 67` and `+46701234567` are `46701234567`; a
    /// business Swish number (`123 456 78 90`) stays as it is.
    static func swishNumber(_ text: String) -> String? {
        let digits = digits(text)
        guard digits.count >= 5 else { return nil }
        if digits.hasPrefix("0") && !digits.hasPrefix("00") { return "46" + digits.dropFirst() }
        if digits.hasPrefix("0046") { return String(digits.dropFirst(2)) }
        return digits
    }

    /// Who owes an invoice, as payer history links payers to debtors.
    static func debtorKey(identity: String?, name: String) -> String {
        if let identity { return "id:\(identity)" }
        return "name:" + name.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Whether a debtor key stands for one debtor. An organisation or personal number does; a name does not: two of a
    /// creditor's customers can both be called Anna Andersson, so a name never links a payer, a credit invoice or a
    /// deduction to another invoice.
    static func namesOneDebtor(_ debtorKey: String) -> Bool { debtorKey.hasPrefix("id:") }

    private static func digits(_ text: String) -> String {
        String(text.filter { $0.isASCII && $0.isNumber })
    }

    /// Whether the invoice is the payer's, and why: the same organisation or personal number, or a payer key seen
    /// paying that debtor before. `nil` when the payer is not known to owe it.
    func owns(_ receivable: ReceivableRecord, _ db: Database) throws -> (method: PaymentMatchMethod, why: String)? {
        if let identity, receivable.debtorIdentity == identity {
            return (.invoiceNumber, "the payer's organisation or personal number \(identity) is the invoice's debtor's")
        }
        if let identity, let debtorIdentity = receivable.debtorIdentity, debtorIdentity != identity { return nil }
        guard Self.namesOneDebtor(receivable.debtorKey) else { return nil }
        for key in keys {
            let known = try Bool.fetchOne(
                db.cachedStatement(
                    sql:
                        "SELECT EXISTS(SELECT 1 FROM payer_link WHERE creditorID = ? AND payerKey = ? AND debtorKey = ?)"
                ),
                arguments: [receivable.creditorID, key, receivable.debtorKey]
            )
            if known == true {
                return (.payerHistory, "payer \(key) paid this debtor's invoices before")
            }
        }
        return nil
    }

    /// Remembers that this payer paid the receivable's debtor (after a match by a reference or an operator).
    func learn(paid receivable: ReceivableRecord, paymentID: String, _ db: Database) throws {
        guard Self.namesOneDebtor(receivable.debtorKey) else { return }
        for key in keys {
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO payer_link (creditorID, payerKey, debtorKey, paymentID) VALUES (?, ?, ?, ?)"
            ).execute(arguments: [receivable.creditorID, key, receivable.debtorKey, paymentID])
        }
    }
}
