/// Writes Skatteverket V6 claim files for one creditor, kind and payment year from the claims that are requestable.
public struct GenerateClaimFile: KvittMessage, Equatable {
    public static let messageType: MessageType = "tax-reduction.generate-claim-file.v1"
    public var creditorID: String
    /// `rot` or `rut`: never both in one file.
    public var kind: String
    /// The payment year; every claim in a file has its payment date in it.
    public var year: Int
    /// NamnPaBegaran, 1–16 characters; a suffix is added when the claims need several files.
    public var name: String
    public init(creditorID: String, kind: String, year: Int, name: String) {
        self.creditorID = creditorID
        self.kind = kind
        self.year = year
        self.name = name
    }
}

/// A claim file was written; download it from the read API.
public struct ClaimFileGenerated: KvittMessage, Equatable {
    public static let messageType: MessageType = "tax-reduction.claim-file-generated.v1"
    public var fileID: String
    public var creditorID: String
    public var kind: String
    public var year: Int
    public var name: String
    /// Where the XML is served: `/v1/claim-files/{fileID}`.
    public var downloadPath: String
    /// 31 January after the payment year.
    public var deadline: CalendarDate
    public var claims: [Claim]

    public init(
        fileID: String,
        creditorID: String,
        kind: String,
        year: Int,
        name: String,
        downloadPath: String,
        deadline: CalendarDate,
        claims: [Claim]
    ) {
        self.fileID = fileID
        self.creditorID = creditorID
        self.kind = kind
        self.year = year
        self.name = name
        self.downloadPath = downloadPath
        self.deadline = deadline
        self.claims = claims
    }

    /// One buyer's claim in the file (the buyer masked: the file itself carries the full number).
    public struct Claim: Codable, Sendable, Equatable {
        public var claimID: String
        public var invoiceID: String
        public var buyer: String
        public var requested: Money
        public init(claimID: String, invoiceID: String, buyer: String, requested: Money) {
            self.claimID = claimID
            self.invoiceID = invoiceID
            self.buyer = buyer
            self.requested = requested
        }
    }
}

/// Skatteverket's decision as its e-service exports it (JSON with Swedish keys).
public struct RecordDecision: KvittMessage, Equatable {
    public static let messageType: MessageType = "tax-reduction.record-decision.v1"
    public var version: String?
    /// The provider's organisationsnummer (12 digits).
    public var utforare: String?
    public var beslut: [Decision]
    public init(version: String? = "1", utforare: String? = nil, beslut: [Decision]) {
        self.version = version
        self.utforare = utforare
        self.beslut = beslut
    }

    /// One decision (beslut) covering several buyers' cases.
    public struct Decision: Codable, Sendable, Equatable {
        public var namn: String?
        public var referensnummer: String
        public var arenden: [Case]
        public init(namn: String? = nil, referensnummer: String, arenden: [Case]) {
            self.namn = namn
            self.referensnummer = referensnummer
            self.arenden = arenden
        }
    }

    /// One buyer's case: the approved amount in whole kronor.
    public struct Case: Codable, Sendable, Equatable {
        public var personnummer: String
        public var fakturanummer: String
        public var godkantBelopp: Int64
        public init(personnummer: String, fakturanummer: String, godkantBelopp: Int64) {
            self.personnummer = personnummer
            self.fakturanummer = fakturanummer
            self.godkantBelopp = godkantBelopp
        }
    }
}

/// Skatteverket decided one buyer's claim. A refused part is what the buyer now owes the creditor.
public struct ClaimDecided: KvittMessage, Equatable {
    public static let messageType: MessageType = "tax-reduction.claim-decided.v1"
    public var claimID: String
    public var invoiceID: String
    public var creditorID: String
    /// The buyer's full personnummer: invoicing needs it to bill a refused part.
    public var buyer: String
    public var requested: Money
    public var approved: Money
    /// What stands of the buyer's reduction (requested, less what credits took back since) − approved, when above
    /// zero: billed to the buyer.
    public var owedByBuyer: Money
    public var referenceNumber: String
    public init(
        claimID: String,
        invoiceID: String,
        creditorID: String,
        buyer: String,
        requested: Money,
        approved: Money,
        owedByBuyer: Money,
        referenceNumber: String
    ) {
        self.claimID = claimID
        self.invoiceID = invoiceID
        self.creditorID = creditorID
        self.buyer = buyer
        self.requested = requested
        self.approved = approved
        self.owedByBuyer = owedByBuyer
        self.referenceNumber = referenceNumber
    }
}

/// A credit took back ROT/RUT work that Skatteverket was already asked to pay for: the creditor must repay that
/// part of the reduction (or have the claim corrected) with Skatteverket. Claims not yet sent are lowered instead.
/// Also sent when Skatteverket's decision changes what is owed.
public struct ReductionRepaymentDue: KvittMessage, Equatable {
    public static let messageType: MessageType = "tax-reduction.repayment-due.v1"
    public var claimID: String
    public var invoiceID: String
    public var creditorID: String
    public var invoiceNumber: String?
    /// The credit invoice that took the work back; absent when a decision changed what is owed.
    public var creditInvoiceID: String?
    /// Where the claim stood: `claimed` (in a file sent to Skatteverket) or `decided`.
    public var claimStatus: String
    /// What the creditor owes Skatteverket for this claim in all, after this credit or decision (whole kronor; a
    /// later message for the same claim replaces it). While the claim is only sent, it assumes Skatteverket pays
    /// what was asked; the decision settles it.
    public var owed: Money
    public init(
        claimID: String,
        invoiceID: String,
        creditorID: String,
        invoiceNumber: String?,
        creditInvoiceID: String?,
        claimStatus: String,
        owed: Money
    ) {
        self.claimID = claimID
        self.invoiceID = invoiceID
        self.creditorID = creditorID
        self.invoiceNumber = invoiceNumber
        self.creditInvoiceID = creditInvoiceID
        self.claimStatus = claimStatus
        self.owed = owed
    }
}

/// Tax-reduction refused a well-formed command; nothing changed.
public struct TaxReductionCommandRejected: CommandRejectedMessage, Equatable {
    public static let messageType: MessageType = "tax-reduction.command-rejected.v1"
    public var rejection: CommandRejection
    public init(rejection: CommandRejection) { self.rejection = rejection }
}
