/// Creates a draft invoice (unattested). Negative quantities make it a standalone credit invoice.
public struct CreateInvoice: KvittMessage, Equatable {
    public static let messageType: MessageType = "invoicing.create-invoice.v1"

    public var creditorID: String
    /// The upstream's id: the same external id twice for one creditor is one invoice.
    public var externalID: String
    public var debtor: Debtor
    /// ISO 4217.
    public var currency: String
    public var invoiceDate: CalendarDate
    /// The due date; when absent, invoice date + `paymentTermsDays` (or the creditor's terms).
    public var dueDate: CalendarDate?
    public var paymentTermsDays: Int?
    public var lines: [Line]
    public var ourReference: String?
    public var yourReference: String?
    /// Required when any line is marked ROT or RUT.
    public var taxReduction: TaxReductionRequest?

    public init(
        creditorID: String,
        externalID: String,
        debtor: Debtor,
        currency: String,
        invoiceDate: CalendarDate,
        dueDate: CalendarDate? = nil,
        paymentTermsDays: Int? = nil,
        lines: [Line],
        ourReference: String? = nil,
        yourReference: String? = nil,
        taxReduction: TaxReductionRequest? = nil
    ) {
        self.creditorID = creditorID
        self.externalID = externalID
        self.debtor = debtor
        self.currency = currency
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.paymentTermsDays = paymentTermsDays
        self.lines = lines
        self.ourReference = ourReference
        self.yourReference = yourReference
        self.taxReduction = taxReduction
    }

    /// One invoice line.
    public struct Line: Codable, Sendable, Equatable {
        public var description: String
        /// A decimal string; negative on credit lines.
        public var quantity: DecimalQuantity
        public var unit: String?
        /// Price per unit excluding VAT, in minor units.
        public var unitPrice: Int64
        /// 25, 12, 6 or 0.
        public var vatRate: Int
        /// Marks the line as ROT or RUT labour.
        public var taxReduction: LineTaxReduction?
        /// What kind of cost a line that is not ROT/RUT labour is: `other` (travel, machines, transport, disposal)
        /// is reported as the claim file's `Ovrigkostnad`; absent or `material` is material.
        public var costKind: CostKind?

        public init(
            description: String,
            quantity: DecimalQuantity,
            unit: String? = nil,
            unitPrice: Int64,
            vatRate: Int,
            taxReduction: LineTaxReduction? = nil,
            costKind: CostKind? = nil
        ) {
            self.description = description
            self.quantity = quantity
            self.unit = unit
            self.unitPrice = unitPrice
            self.vatRate = vatRate
            self.taxReduction = taxReduction
            self.costKind = costKind
        }
    }

    /// The kind of a cost that gives no ROT/RUT reduction, as Skatteverket's claim file tells them apart.
    public enum CostKind: String, Codable, Sendable, Equatable, CaseIterable {
        /// Material (reported per type of work as `Materialkostnad`).
        case material
        /// Other costs: travel, machines, transport, disposal (`Ovrigkostnad`).
        case other
    }

    /// When the ROT/RUT work was done, both days included.
    public struct WorkPeriod: Codable, Sendable, Equatable {
        /// The first day of work.
        public var from: CalendarDate
        /// The last day of work.
        public var through: CalendarDate

        public init(from: CalendarDate, through: CalendarDate) {
            self.from = from
            self.through = through
        }
    }

    /// The ROT/RUT marking of a labour line.
    public struct LineTaxReduction: Codable, Sendable, Equatable {
        /// `rot` or `rut`.
        public var kind: String
        /// Skatteverket's work type (e.g. `Bygg`, `Stadning`).
        public var workType: String
        /// Hours of this work (decimal string).
        public var hours: DecimalQuantity?
        /// Material cost for this work, minor units excluding VAT (not eligible, reported in the claim).
        public var materialCost: Int64?

        public init(kind: String, workType: String, hours: DecimalQuantity? = nil, materialCost: Int64? = nil) {
            self.kind = kind
            self.workType = workType
            self.hours = hours
            self.materialCost = materialCost
        }
    }

    /// Who gets the tax reduction, and what Skatteverket needs to know.
    public struct TaxReductionRequest: Codable, Sendable, Equatable {
        /// The buyers' personnummer; the reduction is split evenly between them.
        public var buyers: [String]
        /// Total hours worked, to report ("Timmar att rapportera").
        public var hoursToReport: Int
        /// ROT on a house: fastighetsbeteckning.
        public var propertyDesignation: String?
        /// ROT in a bostadsrätt: the housing association's organisationsnummer and the apartment number.
        public var housingAssociationOrgNumber: String?
        public var apartmentNumber: String?
        /// When the work was done. The temporary 50 % ROT rate (payments 2025-05-12 – 2025-12-31) needs the work
        /// done in that period too; without a period tax-reduction applies the standing 30 %.
        public var workPeriod: WorkPeriod?

        public init(
            buyers: [String],
            hoursToReport: Int,
            propertyDesignation: String? = nil,
            housingAssociationOrgNumber: String? = nil,
            apartmentNumber: String? = nil,
            workPeriod: WorkPeriod? = nil
        ) {
            self.buyers = buyers
            self.hoursToReport = hoursToReport
            self.propertyDesignation = propertyDesignation
            self.housingAssociationOrgNumber = housingAssociationOrgNumber
            self.apartmentNumber = apartmentNumber
            self.workPeriod = workPeriod
        }
    }
}
