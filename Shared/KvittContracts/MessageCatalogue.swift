/// Every message type Kvitt's services exchange, with the services that consume it: the one list of who consumes
/// what. `kvitt publish` validates a body against it, the contract document must describe it, each service's handler
/// registry must equal its consumers here (a test checks), and the broker topology (`SystemTopology`, `kvitt topology
/// declare`, every service at start) binds each service's queue to exactly the types listed for it.
///
/// Adding a message type: its contract file (the Codable type with its `messageType`) and one line here.
public enum MessageCatalogue {
    /// One message type and the Kvitt services that consume it (none: only outside subscribers may want it; with no
    /// queue bound, the broker routes it to the alternate exchange `kvitt.unrouted`).
    public struct Entry: Sendable {
        public let type: any KvittMessage.Type
        public let consumers: Set<KvittService>

        public init(_ type: any KvittMessage.Type, consumedBy consumers: Set<KvittService> = []) {
            self.type = type
            self.consumers = consumers
        }

        public var messageType: MessageType { type.messageType }
    }

    /// Every type, each once, grouped by owner.
    public static let entries: [Entry] = [
        // invoicing
        Entry(RegisterCreditor.self, consumedBy: [.invoicing]),
        Entry(CreditorRegistered.self, consumedBy: [.debtCollection, .taxReduction, .delivery]),
        Entry(CreateInvoice.self, consumedBy: [.invoicing]),
        Entry(InvoiceCreated.self, consumedBy: [.taxReduction, .delivery]),
        Entry(AttestInvoice.self, consumedBy: [.invoicing]),
        Entry(ChangeDueDate.self, consumedBy: [.invoicing]),
        Entry(ChangeDebtorContact.self, consumedBy: [.invoicing]),
        Entry(DebtorContactChanged.self, consumedBy: [.delivery]),
        Entry(InvoiceIssued.self, consumedBy: [.paymentMatching, .debtCollection, .taxReduction, .delivery]),
        Entry(CreateCreditInvoice.self, consumedBy: [.invoicing]),
        Entry(InvoiceCredited.self, consumedBy: [.paymentMatching, .debtCollection, .taxReduction]),
        Entry(ApplyCredit.self, consumedBy: [.invoicing]),
        Entry(CreditApplied.self, consumedBy: [.paymentMatching, .debtCollection]),
        Entry(InvoicingCommandRejected.self),
        Entry(SetCreditorPrices.self, consumedBy: [.invoicing]),
        Entry(CreditorPricesSet.self),
        Entry(CreditorPlatformFeeCharged.self),
        // payment-matching
        Entry(RegisterPayment.self, consumedBy: [.paymentMatching]),
        Entry(ImportBankgiroFile.self, consumedBy: [.paymentMatching]),
        Entry(LinkPayment.self, consumedBy: [.paymentMatching]),
        Entry(RemovePayment.self, consumedBy: [.paymentMatching]),
        Entry(PaymentRegistered.self),
        Entry(PaymentMatched.self, consumedBy: [.invoicing, .debtCollection]),
        Entry(InvoicePaid.self, consumedBy: [.taxReduction]),
        Entry(InvoicePartiallyPaid.self, consumedBy: [.taxReduction]),
        Entry(OverpaymentRecorded.self),
        Entry(PaymentUnmatched.self),
        Entry(PaymentRemoved.self),
        Entry(BankgiroFileImported.self),
        Entry(PaymentMatchingCommandRejected.self),
        Entry(PaymentAllocationReleased.self, consumedBy: [.invoicing, .debtCollection]),
        // tax-reduction
        Entry(ReductionAllocated.self, consumedBy: [.invoicing]),
        Entry(ReductionRejected.self, consumedBy: [.invoicing]),
        Entry(ReductionAdjusted.self, consumedBy: [.invoicing]),
        Entry(GenerateClaimFile.self, consumedBy: [.taxReduction]),
        Entry(ClaimFileGenerated.self, consumedBy: [.invoicing]),
        Entry(RecordDecision.self, consumedBy: [.taxReduction]),
        Entry(ClaimDecided.self, consumedBy: [.invoicing]),
        Entry(ReductionRepaymentDue.self),
        Entry(TaxReductionCommandRejected.self),
        // debt-collection
        Entry(SendToCollection.self, consumedBy: [.debtCollection]),
        Entry(RecallCollection.self, consumedBy: [.debtCollection]),
        Entry(CreateInstallmentPlan.self, consumedBy: [.debtCollection]),
        Entry(PostponeNextEvent.self, consumedBy: [.debtCollection]),
        Entry(DecideEnforcement.self, consumedBy: [.debtCollection]),
        Entry(StartLongTermSurveillance.self, consumedBy: [.debtCollection]),
        Entry(ReminderSent.self, consumedBy: [.invoicing, .delivery]),
        Entry(CollectionLetterSent.self, consumedBy: [.invoicing, .delivery]),
        Entry(CreditorDecisionRequested.self),
        Entry(EnforcementApplicationPrepared.self, consumedBy: [.invoicing, .delivery]),
        Entry(InstallmentPlanCreated.self, consumedBy: [.invoicing]),
        Entry(InstallmentMissed.self),
        Entry(SurveillanceLetterSent.self, consumedBy: [.invoicing, .delivery]),
        Entry(NextEventPostponed.self),
        Entry(FeesCharged.self, consumedBy: [.invoicing, .paymentMatching, .delivery]),
        Entry(CaseClosed.self),
        Entry(DebtCollectionCommandRejected.self),
        // delivery
        Entry(DocumentDelivered.self, consumedBy: [.invoicing, .debtCollection]),
        Entry(DeliveryFailed.self, consumedBy: [.invoicing, .debtCollection]),
    ]

    /// All types, each once.
    public static let all: [any KvittMessage.Type] = entries.map(\.type)

    /// The wire names a service consumes, sorted.
    public static func consumedTypes(of service: KvittService) -> [MessageType] {
        entries.filter { $0.consumers.contains(service) }.map(\.messageType).sorted()
    }

    /// The services that consume a type, sorted (empty for a type no Kvitt service consumes, or one Kvitt does not know).
    public static func consumers(of type: MessageType) -> [KvittService] {
        entries.first { $0.messageType == type }?.consumers.sorted() ?? []
    }

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
