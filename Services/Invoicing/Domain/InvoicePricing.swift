import KvittContracts

/// Prices invoice lines: net per line, VAT per rate, öresavrundning, total, and the ROT/RUT base.
///
/// Line nets are quantity × unit price rounded half away from zero to whole minor units. VAT is computed per rate on
/// the sum of the nets at that rate (the invoice's VAT summary), which is how Swedish invoices state it; each line's
/// own VAT is kept only to derive ROT/RUT labour cost including VAT. SEK totals are rounded to whole kronor and the
/// difference is shown as its own amount.
enum InvoicePricing {
    static let vatRates: Set<Int> = [25, 12, 6, 0]

    struct Priced: Equatable {
        var lines: [PricedLine]
        var totals: InvoiceTotals
    }

    /// Prices the lines, or returns every field error found.
    static func price(_ lines: [CreateInvoice.Line], currency: Currency) -> Result<Priced, FieldErrors> {
        var errors: [FieldError] = []
        var priced: [PricedLine] = []
        var baseByRate: [Int: Int64] = [:]
        if lines.isEmpty { errors.append(FieldError("lines", "an invoice needs at least one line")) }
        for (index, line) in lines.enumerated() {
            let field = "lines[\(index)]"
            if line.description.trimmingCharacters(in: .whitespaces).isEmpty {
                errors.append(FieldError("\(field).description", "must not be empty"))
            }
            if line.quantity.isZero { errors.append(FieldError("\(field).quantity", "must not be zero")) }
            if line.unitPrice < 0 {
                errors.append(
                    FieldError("\(field).unitPrice", "must not be negative; use a negative quantity to credit")
                )
            }
            guard vatRates.contains(line.vatRate) else {
                errors.append(FieldError("\(field).vatRate", "must be 25, 12, 6 or 0"))
                continue
            }
            guard let net = line.quantity.times(line.unitPrice), net.magnitude < 1_000_000_000_000_00 else {
                errors.append(FieldError("\(field).quantity", "quantity × unit price is too large"))
                continue
            }
            let vat = DecimalQuantity.divideRounded(net * Int64(line.vatRate), by: 100)
            baseByRate[line.vatRate, default: 0] += net
            priced.append(
                PricedLine(line: line, net: Money(minorUnits: net, currency), vat: Money(minorUnits: vat, currency))
            )
        }
        guard errors.isEmpty else { return .failure(FieldErrors(errors)) }
        let net = priced.reduce(Int64(0)) { $0 + $1.net.amount }
        let vat = baseByRate.keys.sorted(by: >).map { rate in
            let base = baseByRate[rate]!
            return InvoiceTotals.VATAmount(
                rate: rate,
                base: Money(minorUnits: base, currency),
                amount: Money(minorUnits: DecimalQuantity.divideRounded(base * Int64(rate), by: 100), currency)
            )
        }
        let beforeRounding = net + vat.reduce(Int64(0)) { $0 + $1.amount.amount }
        let rounding = currency == .sek ? roundedToWholeKronor(beforeRounding) - beforeRounding : 0
        let totals = InvoiceTotals(
            net: Money(minorUnits: net, currency),
            vat: vat,
            rounding: Money(minorUnits: rounding, currency),
            total: Money(minorUnits: beforeRounding + rounding, currency)
        )
        if totals.total.isZero {
            return .failure(FieldErrors([FieldError("lines", "the invoice total must not be zero")]))
        }
        return .success(Priced(lines: priced, totals: totals))
    }

    /// Öresavrundning: to the nearest whole krona, half away from zero (50 öre rounds up).
    static func roundedToWholeKronor(_ ore: Int64) -> Int64 {
        DecimalQuantity.divideRounded(ore, by: 100) * 100
    }

    /// The labour cost including VAT of the lines marked for ROT/RUT (negative on a credit).
    static func labour(of lines: [PricedLine]) -> Int64 {
        lines.filter { $0.line.taxReduction != nil }.reduce(0) { $0 + $1.net.amount + $1.vat.amount }
    }

    /// The ROT/RUT part: labour cost including VAT of the marked lines, per work type, and the other costs.
    static func taxReductionDetail(
        _ priced: [PricedLine],
        request: CreateInvoice.TaxReductionRequest,
        currency: Currency
    ) -> TaxReductionDetail? {
        let marked = priced.filter { $0.line.taxReduction != nil }
        guard let kind = marked.first?.line.taxReduction?.kind else { return nil }
        let labour = labour(of: marked)
        let other = priced.filter { $0.line.taxReduction == nil }.reduce(Int64(0)) { $0 + $1.net.amount }
        var order: [String] = []
        var hours: [String: DecimalQuantity] = [:]
        var material: [String: Int64] = [:]
        for line in marked {
            guard let reduction = line.line.taxReduction else { continue }
            if hours[reduction.workType] == nil {
                order.append(reduction.workType)
                hours[reduction.workType] = DecimalQuantity(units: 0, scale: 0)
            }
            if let lineHours = reduction.hours {
                hours[reduction.workType] = hours[reduction.workType]! + lineHours
            }
            material[reduction.workType, default: 0] += reduction.materialCost ?? 0
        }
        return TaxReductionDetail(
            kind: kind,
            labourCostIncludingVAT: Money(minorUnits: labour, currency),
            materialCost: Money(minorUnits: other, currency),
            workTypes: order.map {
                TaxReductionDetail.WorkType(
                    workType: $0,
                    hours: hours[$0]!,
                    materialCost: Money(minorUnits: material[$0] ?? 0, currency)
                )
            },
            request: request
        )
    }
}

/// Field errors as a thrown or returned error.
struct FieldErrors: Error, Equatable {
    var errors: [FieldError]
    init(_ errors: [FieldError]) { self.errors = errors }
}
