import KvittContracts

/// One buyer's ärende in a payout request: what the buyer paid on one invoice and what the provider asks
/// Skatteverket for (docs/domain.md §5.4–5.6).
///
/// Amounts are whole kronor, as the file requires; convert from öre with ``ClaimFileBuilder/wholeKronor(_:)``.
/// With several buyers on one invoice each buyer is a claim of their own with their own share of the amounts.
struct BuyerClaim: Sendable, Equatable {
    /// The buyer (`Kopare`).
    var buyer: Personnummer
    /// The invoice number (`FakturaNr`), 1–20 characters.
    var invoiceNumber: String
    /// The day the buyer paid (`BetalningsDatum`); its year decides the tax year and the deadline.
    var paymentDate: CalendarDate
    /// The labour cost including VAT (`PrisForArbete`), at least 2 kronor.
    var labourCost: Int64
    /// What the buyer paid for the labour (`BetaltBelopp`), not counting materials or other costs.
    var paidAmount: Int64
    /// What the provider asks Skatteverket for (`BegartBelopp`): at most ``paidAmount``, and together with it at
    /// most ``labourCost``.
    var requestedAmount: Int64
    /// Other costs on the invoice (`Ovrigkostnad`): travel, machines, transport, disposal; 0–9 999 999 kronor.
    var otherCost: Int64
    /// For ROT, where the work was done; `nil` for RUT.
    var property: RotProperty?
    /// The work done with hours and material, at most one entry per type.
    var work: [PerformedWork]
    /// RUT services reimbursed at a flat rate, reported only as done.
    var flatRateServices: [FlatRateService]

    init(
        buyer: Personnummer,
        invoiceNumber: String,
        paymentDate: CalendarDate,
        labourCost: Int64,
        paidAmount: Int64,
        requestedAmount: Int64,
        otherCost: Int64 = 0,
        property: RotProperty? = nil,
        work: [PerformedWork],
        flatRateServices: [FlatRateService] = []
    ) {
        self.buyer = buyer
        self.invoiceNumber = invoiceNumber
        self.paymentDate = paymentDate
        self.labourCost = labourCost
        self.paidAmount = paidAmount
        self.requestedAmount = requestedAmount
        self.otherCost = otherCost
        self.property = property
        self.work = work
        self.flatRateServices = flatRateServices
    }
}

/// Where ROT work was done. The file needs one or the other (docs/domain.md §5.3 item 6).
enum RotProperty: Sendable, Equatable {
    /// A house or other real property, by its fastighetsbeteckning (`Fastighetsbeteckning`, 1–40 characters),
    /// e.g. `Stockholm Exempel 1:23`.
    case realProperty(designation: String)
    /// An apartment in a bostadsrättsförening: the association's organisationsnummer (`BrfOrgNr`) and the
    /// apartment number (`LagenhetsNr`, 1–25 characters).
    case cooperativeApartment(association: Organisationsnummer, apartmentNumber: String)
}

/// Hours and material for one type of work (`TimmarMaterialTYPE`).
struct PerformedWork: Sendable, Equatable {
    /// The type of work.
    var type: WorkType
    /// Hours actually worked (`AntalTimmar`), 0–999, also for fixed-price work.
    var hours: Int
    /// Material cost in whole kronor (`Materialkostnad`), 0–9 999 999.
    var materialCost: Int64

    init(_ type: WorkType, hours: Int, materialCost: Int64 = 0) {
        self.type = type
        self.hours = hours
        self.materialCost = materialCost
    }
}
