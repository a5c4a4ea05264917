/// Whole units shared out in proportion to weights, the way a credit is shared between ROT/RUT buyers.
public enum ProportionalSplit {
    /// `amount` split in proportion to `weights` in whole units, no part above its weight: each part rounded down,
    /// then the units left over one each to the largest remainders (the earlier on a tie). The parts sum to `amount`
    /// unless it is more than the weights together.
    public static func parts(of amount: Int64, by weights: [Int64]) -> [Int64] {
        let total = weights.reduce(0, +)
        guard total > 0, amount > 0 else { return weights.map { _ in 0 } }
        let wanted = min(amount, total)
        let exact = weights.map { total.dividingFullWidth($0.multipliedFullWidth(by: wanted)) }
        var result = exact.map(\.quotient)
        var left = wanted - result.reduce(0, +)
        for index in exact.indices.sorted(by: { exact[$0].remainder > exact[$1].remainder })
        where left > 0 && result[index] < weights[index] {
            result[index] += 1
            left -= 1
        }
        return result
    }
}
