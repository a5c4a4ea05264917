import KvittContracts

/// Prices invoice lines: net per line, VAT per rate, öresavrundning, total, and the ROT/RUT base.
///
/// Line nets are quantity × unit price rounded half away from zero to whole minor units. VAT is computed per rate on
/// the sum of the nets at that rate (the invoice's VAT summary), which is how Swedish invoices state it; each line's
/// own VAT is kept only to derive ROT/RUT labour cost including VAT. SEK totals are rounded to whole kronor and the
/// difference is shown as its own amount.
enum InvoicePricing {
    static let vatRates: Set<Int> = [25, 12, 6, 0]

    /// The largest net of a line, of an invoice and of each VAT base, and the largest ROT/RUT labour, material or
    /// other cost: under 10¹⁴ minor units (a trillion kronor), far beyond any real invoice, and small enough that the
    /// VAT, totals and balances computed from it never overflow.
    static let maximumAmount: Int64 = 99_999_999_999_999

    struct Priced: Equatable {
        var lines: [PricedLine]
        var totals: InvoiceTotals
    }

    /// Prices the lines, or returns every field error found.
    static func price(_ lines: [CreateInvoice.Line], currency: Currency) -> Result<Priced, FieldErrors> {
        var errors: [FieldError] = []
        var priced: [PricedLine] = []
        var baseByRate: [Int: Int64] = [:]
        var basesOverflow = false
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
            guard let net = line.quantity.times(line.unitPrice), net.magnitude <= maximumAmount else {
                errors.append(
                    FieldError(
                        "\(field).quantity",
                        "quantity × unit price is too large: at most \(Money(minorUnits: maximumAmount, currency))"
                    )
                )
                continue
            }
            // At most 10¹⁴ × 25: no overflow.
            let vat = DecimalQuantity.divideRounded(net * Int64(line.vatRate), by: 100)
            // Each term is below 10¹⁴, so only a great many lines can leave the bound; they are refused below.
            if let base = MinorUnits.sum(baseByRate[line.vatRate] ?? 0, net) {
                baseByRate[line.vatRate] = base
            } else {
                basesOverflow = true
            }
            priced.append(
                PricedLine(line: line, net: Money(minorUnits: net, currency), vat: Money(minorUnits: vat, currency))
            )
        }
        guard errors.isEmpty else { return .failure(FieldErrors(errors)) }
        let largest = Money(minorUnits: maximumAmount, currency)
        guard !basesOverflow, let net = MinorUnits.total(priced.map(\.net.amount)), net.magnitude <= maximumAmount,
            baseByRate.values.allSatisfy({ $0.magnitude <= maximumAmount })
        else {
            return .failure(
                FieldErrors([FieldError("lines", "the lines sum to more than the largest invoice amount, \(largest)")])
            )
        }
        // Every base is within ±10¹⁴ now, so the VAT and the total (at most 1.25 × the bases) cannot overflow.
        let vat = baseByRate.sorted { $0.key > $1.key }.map { rate, base in
            InvoiceTotals.VATAmount(
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

    /// The labour cost including VAT of the lines marked for ROT/RUT (negative on a credit), or `nil` when it is
    /// beyond ±``maximumAmount``.
    static func labour(of lines: [PricedLine]) -> Int64? {
        let marked = lines.filter { $0.line.taxReduction != nil }
        guard let labour = MinorUnits.total(marked.flatMap { [$0.net.amount, $0.vat.amount] }),
            labour.magnitude <= maximumAmount
        else { return nil }
        return labour
    }

    /// The ROT/RUT part: labour cost including VAT of the marked lines, per work type, and the other costs; `nil`
    /// without marked lines. Sums that grow beyond ``maximumAmount`` are field errors.
    static func taxReductionDetail(
        _ priced: [PricedLine],
        request: CreateInvoice.TaxReductionRequest,
        currency: Currency
    ) throws(FieldErrors) -> TaxReductionDetail? {
        let marked = priced.filter { $0.line.taxReduction != nil }
        guard let kind = marked.first?.line.taxReduction?.kind else { return nil }
        let largest = Money(minorUnits: maximumAmount, currency)
        guard let labour = labour(of: marked) else {
            throw FieldErrors([FieldError("lines", "the ROT/RUT labour sums to more than \(largest)")])
        }
        guard let other = MinorUnits.total(priced.filter { $0.line.taxReduction == nil }.map(\.net.amount)),
            other.magnitude <= maximumAmount
        else { throw FieldErrors([FieldError("lines", "the other costs sum to more than \(largest)")]) }
        var order: [String] = []
        var hours: [String: DecimalQuantity] = [:]
        var material: [String: Int64] = [:]
        for (index, line) in priced.enumerated() {
            guard let reduction = line.line.taxReduction else { continue }
            let field = "lines[\(index)].taxReduction"
            let hoursSoFar = hours[reduction.workType] ?? DecimalQuantity(units: 0, scale: 0)
            if hours[reduction.workType] == nil { order.append(reduction.workType) }
            guard let summed = hoursSoFar.adding(reduction.hours ?? DecimalQuantity(units: 0, scale: 0)) else {
                throw FieldErrors([FieldError("\(field).hours", "the hours of \(reduction.workType) sum to too many")])
            }
            hours[reduction.workType] = summed
            guard let cost = MinorUnits.sum(material[reduction.workType] ?? 0, reduction.materialCost ?? 0),
                cost.magnitude <= maximumAmount
            else {
                throw FieldErrors([
                    FieldError(
                        "\(field).materialCost",
                        "the material costs of \(reduction.workType) sum to more than \(largest)"
                    )
                ])
            }
            material[reduction.workType] = cost
        }
        return TaxReductionDetail(
            kind: kind,
            labourCostIncludingVAT: Money(minorUnits: labour, currency),
            materialCost: Money(minorUnits: other, currency),
            workTypes: order.map {
                TaxReductionDetail.WorkType(
                    workType: $0,
                    hours: hours[$0] ?? DecimalQuantity(units: 0, scale: 0),
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
