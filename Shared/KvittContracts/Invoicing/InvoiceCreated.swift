/// A draft invoice was created, with its computed amounts.
public struct InvoiceCreated: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.invoice-created.v1"

    public var invoiceID: String
    public var creditorID: String
    public var externalID: String
    /// `debit` or `credit` (a credit invoice is marked K).
    public var kind: String
    public var debtor: Debtor
    public var invoiceDate: CalendarDate
    public var dueDate: CalendarDate
    public var lines: [PricedLine]
    public var totals: InvoiceTotals
    /// Present when lines are marked ROT or RUT: what tax-reduction needs to allocate.
    public var taxReduction: TaxReductionDetail?
    /// Set on a credit invoice made from an original.
    public var originalInvoiceID: String?

    public init(
        invoiceID: String,
        creditorID: String,
        externalID: String,
        kind: String,
        debtor: Debtor,
        invoiceDate: CalendarDate,
        dueDate: CalendarDate,
        lines: [PricedLine],
        totals: InvoiceTotals,
        taxReduction: TaxReductionDetail? = nil,
        originalInvoiceID: String? = nil
    ) {
        self.invoiceID = invoiceID
        self.creditorID = creditorID
        self.externalID = externalID
        self.kind = kind
        self.debtor = debtor
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.lines = lines
        self.totals = totals
        self.taxReduction = taxReduction
        self.originalInvoiceID = originalInvoiceID
    }
}

/// A line with its computed amounts.
public struct PricedLine: Codable, Sendable, Equatable {
    public var line: CreateInvoice.Line
    /// Quantity × unit price, excluding VAT.
    public var net: Money
    /// This line's VAT (for ROT/RUT labour cost incl. VAT; the invoice's VAT is computed per rate).
    public var vat: Money

    public init(line: CreateInvoice.Line, net: Money, vat: Money) {
        self.line = line
        self.net = net
        self.vat = vat
    }
}

/// An invoice's totals: net, VAT per rate, öresavrundning and the total.
public struct InvoiceTotals: Codable, Sendable, Equatable {
    public var net: Money
    public var vat: [VATAmount]
    /// Rounding to whole kronor for SEK (öresavrundning), shown as its own amount; zero otherwise.
    public var rounding: Money
    /// Net + VAT + rounding.
    public var total: Money

    public init(net: Money, vat: [VATAmount], rounding: Money, total: Money) {
        self.net = net
        self.vat = vat
        self.rounding = rounding
        self.total = total
    }

    /// VAT at one rate.
    public struct VATAmount: Codable, Sendable, Equatable {
        public var rate: Int
        public var base: Money
        public var amount: Money
        public init(rate: Int, base: Money, amount: Money) {
            self.rate = rate
            self.base = base
            self.amount = amount
        }
    }
}

/// The ROT/RUT part of an invoice, for tax-reduction.
public struct TaxReductionDetail: Codable, Sendable, Equatable {
    /// `rot` or `rut`.
    public var kind: String
    /// Labour cost including VAT: the base of the reduction.
    public var labourCostIncludingVAT: Money
    /// Material and other costs excluding VAT (reported, not eligible).
    public var materialCost: Money
    public var workTypes: [WorkType]
    public var request: CreateInvoice.TaxReductionRequest

    public init(
        kind: String,
        labourCostIncludingVAT: Money,
        materialCost: Money,
        workTypes: [WorkType],
        request: CreateInvoice.TaxReductionRequest
    ) {
        self.kind = kind
        self.labourCostIncludingVAT = labourCostIncludingVAT
        self.materialCost = materialCost
        self.workTypes = workTypes
        self.request = request
    }

    /// Hours and material per Skatteverket work type.
    public struct WorkType: Codable, Sendable, Equatable {
        public var workType: String
        public var hours: DecimalQuantity
        public var materialCost: Money
        public init(workType: String, hours: DecimalQuantity, materialCost: Money) {
            self.workType = workType
            self.hours = hours
            self.materialCost = materialCost
        }
    }
}
