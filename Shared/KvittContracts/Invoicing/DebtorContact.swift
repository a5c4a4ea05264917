/// Changes how an invoice's debtor is reached: postal address, e-mail, preferred channel and Peppol id, as they are
/// now. Each field replaces the invoice's; an absent field removes it (a foreign debtor keeps needing an address).
/// Letters not yet delivered go to the new contact; documents already delivered are not sent again.
public struct ChangeDebtorContact: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.change-debtor-contact.v1"
    public var invoiceID: String
    public var address: Debtor.Address?
    public var email: String?
    public var preferredChannel: DeliveryChannel?
    public var peppolID: String?

    public init(
        invoiceID: String,
        address: Debtor.Address? = nil,
        email: String? = nil,
        preferredChannel: DeliveryChannel? = nil,
        peppolID: String? = nil
    ) {
        self.invoiceID = invoiceID
        self.address = address
        self.email = email
        self.preferredChannel = preferredChannel
        self.peppolID = peppolID
    }
}

/// An invoice's debtor has a new contact: the whole debtor as invoicing now has it.
public struct DebtorContactChanged: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.debtor-contact-changed.v1"
    public var invoiceID: String
    public var debtor: Debtor
    /// The business day of the change.
    public var on: CalendarDate
    /// Which change of the invoice's contact this is: 1 for the first, one more for each after it. A change that
    /// waited in a retry queue can arrive after a later one; a consumer applies a change only when it is newer than
    /// the last it applied, so an old address never overwrites a new one. Absent from events of older versions,
    /// which are applied as they come.
    public var revision: Int?

    public init(invoiceID: String, debtor: Debtor, on: CalendarDate, revision: Int? = nil) {
        self.invoiceID = invoiceID
        self.debtor = debtor
        self.on = on
        self.revision = revision
    }
}

/// The written forms of a debtor's contact that every service accepts.
public enum DebtorContactRules {
    /// An e-mail address that can go into SMTP's `RCPT TO` and a header as it is: one `@`, a dotted domain, printable
    /// ASCII without the characters that need quoting.
    public static func isUsableEmail(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), address.utf8.count <= 254 else {
            return false
        }
        return address.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && scalar.value > 0x20 && scalar.value < 0x7F
                && !"<>()[]\\,;:\"".unicodeScalars.contains(scalar)
        }
    }

    /// A Peppol participant id: a four-digit ICD scheme, `:`, and an identifier of letters, digits, `.`, `-` (at most
    /// 50 characters), e.g. `0007:5567788999`.
    public static func isPeppolID(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
            (1...50).contains(parts[1].count)
        else { return false }
        return parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
    }

    /// What is wrong with a debtor's contact, as field errors under `prefix` (empty when it is usable).
    public static func errors(
        email: String?,
        preferredChannel: DeliveryChannel?,
        peppolID: String?,
        prefix: String
    ) -> [FieldError] {
        var errors: [FieldError] = []
        if let email, !isUsableEmail(email) {
            errors.append(FieldError("\(prefix)email", "not a usable e-mail address"))
        }
        return errors
            + channelErrors(email: email, preferredChannel: preferredChannel, peppolID: peppolID, prefix: prefix)
    }

    /// What is wrong with the Peppol id and the preferred channel: a malformed id, or a channel without a usable
    /// address (e-mail preferred with an address delivery could not send to would be printed without a word). The
    /// form of an e-mail address no channel asks for is checked by ``errors(email:preferredChannel:peppolID:prefix:)``
    /// only: `create-invoice` never checked it.
    public static func channelErrors(
        email: String?,
        preferredChannel: DeliveryChannel?,
        peppolID: String?,
        prefix: String
    ) -> [FieldError] {
        var errors: [FieldError] = []
        if let peppolID, !isPeppolID(peppolID) {
            errors.append(
                FieldError("\(prefix)peppolID", "expected <four-digit scheme>:<identifier>, e.g. 0007:5567788999")
            )
        }
        switch preferredChannel {
        case .email? where !(email.map(isUsableEmail) ?? false):
            errors.append(FieldError("\(prefix)preferredChannel", "email needs a usable e-mail address"))
        case .peppol? where peppolID == nil:
            errors.append(FieldError("\(prefix)preferredChannel", "peppol needs a Peppol id"))
        default: break
        }
        return errors
    }
}
