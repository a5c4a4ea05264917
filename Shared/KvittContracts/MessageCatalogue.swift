/// Every message type Kvitt's services exchange, by wire name: what `kvitt publish` validates a body against, and
/// what the contract document must describe.
public enum MessageCatalogue {
    /// All types, each once.
    public static let all: [any KvittMessage.Type] = [
        RegisterCreditor.self, CreditorRegistered.self, CreateInvoice.self, InvoiceCreated.self, AttestInvoice.self,
        ChangeDueDate.self, InvoiceIssued.self, CreateCreditInvoice.self, InvoiceCredited.self, ApplyCredit.self,
        CreditApplied.self, InvoicingCommandRejected.self,
        RegisterPayment.self, ImportBankgiroFile.self, LinkPayment.self, RemovePayment.self, PaymentRegistered.self,
        PaymentMatched.self, InvoicePaid.self, InvoicePartiallyPaid.self, OverpaymentRecorded.self,
        PaymentUnmatched.self, PaymentRemoved.self, BankgiroFileImported.self, PaymentMatchingCommandRejected.self,
        PaymentAllocationReleased.self,
        ReductionAllocated.self, ReductionRejected.self, GenerateClaimFile.self, ClaimFileGenerated.self,
        RecordDecision.self, ClaimDecided.self, ReductionRepaymentDue.self, TaxReductionCommandRejected.self,
        SendToCollection.self, RecallCollection.self, CreateInstallmentPlan.self, PostponeNextEvent.self,
        DecideEnforcement.self, StartLongTermSurveillance.self, ReminderSent.self, CollectionLetterSent.self,
        CreditorDecisionRequested.self, EnforcementApplicationPrepared.self, InstallmentPlanCreated.self,
        InstallmentMissed.self, SurveillanceLetterSent.self, NextEventPostponed.self, FeesCharged.self,
        PlatformFeeCharged.self, CaseClosed.self, DebtCollectionCommandRejected.self,
    ]

    /// The type with a wire name, if Kvitt knows it.
    public static func type(named wireName: String) -> (any KvittMessage.Type)? {
        all.first { $0.messageType.rawValue == wireName }
    }

    /// Decodes a body as the type with the wire name: the contract check before anything is sent.
    /// - Throws: `DecodingError` naming the field, or `UnknownType`.
    public static func validate(_ body: [UInt8], as wireName: String) throws {
        guard let type = type(named: wireName) else { throw UnknownType(wireName: wireName) }
        _ = try decode(type, body)
    }

    private static func decode<M: KvittMessage>(_ type: M.Type, _ body: [UInt8]) throws -> M {
        try MessageCoding.decode(M.self, from: body)
    }

    /// A wire name no Kvitt service uses.
    public struct UnknownType: Error, CustomStringConvertible {
        public let wireName: String
        public var description: String { "unknown message type '\(wireName)'" }
    }
}
