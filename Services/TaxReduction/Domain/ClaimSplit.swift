import KvittContracts

/// How an invoice's reported work is divided between its buyers' ärenden, and a buyer's part between payments, so
/// that the claim files' totals are the invoice's (docs/domain.md §5.4).
///
/// Each ärende in Skatteverket's file carries its own `PrisForArbete`, `AntalTimmar`, `Materialkostnad` and
/// `Ovrigkostnad`; Skatteverket adds them up per invoice. Every amount is therefore divided, never repeated: labour,
/// hours, material and other costs go to the buyers in equal parts (whole kronor and whole hours, the units left over
/// one each to the buyers in turn), and a partial payment takes its share of what is still open, rounded down, the
/// last payment taking the rest.
enum ClaimSplit {
    /// `total` in `parts` whole-unit parts that sum to it; the units left over go one each to the parts in turn,
    /// starting at `offset`, which moves on past them, so that several totals split one after the other stay even.
    static func evenParts(_ total: Int64, into parts: Int, offset: inout Int) -> [Int64] {
        guard parts > 0 else { return [] }
        let (base, left) = max(0, total).quotientAndRemainder(dividingBy: Int64(parts))
        var result = Array(repeating: base, count: parts)
        for step in 0..<Int(left) { result[(offset + step) % parts] += 1 }
        offset = (offset + Int(left)) % parts
        return result
    }

    /// An amount in öre as whole-krona parts: the kronor split evenly, the öre left over to the first part. The claim
    /// file takes whole kronor per ärende, so the parts' kronor add up to the whole's.
    static func kronorParts(_ ore: Int64, into parts: Int) -> [Int64] {
        var offset = 0
        var result = evenParts(ore / 100, into: parts, offset: &offset).map { $0 * 100 }
        if !result.isEmpty { result[0] += ore % 100 }
        return result
    }

    /// The hours to report ("timmar att rapportera", the invoice's total of hours worked) spread over the types of
    /// work in proportion to `weights` (each type's own hours on the lines, or its labour when no line gives hours),
    /// so that they add up to exactly `hours`. Without any weight the hours go evenly.
    static func hoursPerType(_ hours: Int, weights: [Int64]) -> [Int] {
        guard !weights.isEmpty else { return [] }
        let usable = weights.allSatisfy { $0 >= 0 } && weights.contains { $0 > 0 }
        let parts =
            (try? Money(minorUnits: Int64(max(0, hours)), .sek)
                .allocate(weights: usable ? weights : Array(repeating: 1, count: weights.count)))
            ?? []
        return parts.count == weights.count ? parts.map { Int($0.amount) } : Array(repeating: 0, count: weights.count)
    }

    /// Each buyer's list of work: every type's hours and material split between the buyers. Material is in öre and
    /// split in whole kronor (its öre are not reported: the file takes whole kronor).
    static func perBuyer(_ work: [ClaimRecord.Work], buyers: Int) -> [[ClaimRecord.Work]] {
        guard buyers > 0 else { return [] }
        var lists = Array(repeating: [ClaimRecord.Work](), count: buyers)
        var hourOffset = 0
        var kronaOffset = 0
        for item in work {
            let hours = evenParts(Int64(item.hours), into: buyers, offset: &hourOffset)
            let material = evenParts(item.materialCost / 100, into: buyers, offset: &kronaOffset)
            for index in 0..<buyers {
                lists[index].append(
                    ClaimRecord.Work(
                        workType: item.workType,
                        hours: Int(hours[index]),
                        materialCost: material[index] * 100
                    )
                )
            }
        }
        return lists
    }

    /// What a payment of `paid` out of `open` (what was still owed on the invoice, this payment included) settles of
    /// `value`: that proportion rounded down to a multiple of `unit`, never more than `value`.
    static func portion(_ value: Int64, paid: Int64, of open: Int64, unit: Int64 = 1) -> Int64 {
        guard value > 0, paid > 0, open > 0 else { return 0 }
        guard paid < open else { return value }
        // paid < open, so the 128-bit quotient is below `value` and fits.
        let exact = open.dividingFullWidth(value.multipliedFullWidth(by: paid)).quotient
        return min(value, exact / unit * unit)
    }

    /// `work` with each type's hours and material scaled as `portion` scales an amount; material in whole kronor.
    static func portion(_ work: [ClaimRecord.Work], paid: Int64, of open: Int64) -> [ClaimRecord.Work] {
        work.map {
            ClaimRecord.Work(
                workType: $0.workType,
                hours: Int(portion(Int64($0.hours), paid: paid, of: open)),
                materialCost: portion($0.materialCost, paid: paid, of: open, unit: 100)
            )
        }
    }

    /// `work` less `part`, type by type.
    static func subtracting(_ part: [ClaimRecord.Work], from work: [ClaimRecord.Work]) -> [ClaimRecord.Work] {
        work.map { item in
            let taken = part.first { $0.workType == item.workType }
            return ClaimRecord.Work(
                workType: item.workType,
                hours: max(0, item.hours - (taken?.hours ?? 0)),
                materialCost: max(0, item.materialCost - (taken?.materialCost ?? 0))
            )
        }
    }

    /// Two lists of the same invoice's work added type by type (a payment's part merged into an earlier one of the
    /// same year).
    static func adding(_ part: [ClaimRecord.Work], to work: [ClaimRecord.Work]) -> [ClaimRecord.Work] {
        var result = work
        for item in part {
            if let index = result.firstIndex(where: { $0.workType == item.workType }) {
                result[index].hours += item.hours
                result[index].materialCost += item.materialCost
            } else {
                result.append(item)
            }
        }
        return result
    }
}
