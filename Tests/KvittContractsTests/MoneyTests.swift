import Foundation
import KvittContracts
import Testing

@Suite("Money: minor units with a currency")
struct MoneyTests {
    let sek = Currency.sek

    @Test func arithmeticWithinOneCurrency() throws {
        let price = Money(minorUnits: 12_550, sek)
        let fee = Money(minorUnits: 6_000, sek)
        #expect(try price.adding(fee) == Money(minorUnits: 18_550, sek))
        #expect(try price.subtracting(fee) == Money(minorUnits: 6_550, sek))
        #expect(try fee.subtracting(price).isNegative)
        #expect(try price.compare(fee) == .descending)
        #expect(try fee.compare(fee) == .same)
        #expect(price.description == "125.50 SEK")
        #expect(Money(minorUnits: -5, sek).description == "-0.05 SEK")
        #expect(Money(minorUnits: 1500, Currency(code: "JPY")!).description == "1500 JPY")
        #expect(Money(minorUnits: 1500, Currency(code: "KWD")!).description == "1.500 KWD")
    }

    @Test func differentCurrenciesNeverMix() {
        let kronor = Money(minorUnits: 100, sek)
        let euros = Money(minorUnits: 100, .eur)
        #expect(throws: MoneyError.currencyMismatch(sek, .eur)) { try kronor.adding(euros) }
        #expect(throws: MoneyError.currencyMismatch(sek, .eur)) { try kronor.subtracting(euros) }
        #expect(throws: MoneyError.currencyMismatch(sek, .eur)) { try kronor.compare(euros) }
    }

    @Test func overflowIsAnErrorNotAWrap() {
        let huge = Money(minorUnits: .max, sek)
        #expect(throws: MoneyError.overflow) { try huge.adding(Money(minorUnits: 1, sek)) }
        #expect(throws: MoneyError.overflow) { try Money(minorUnits: .min, sek).negated() }
    }

    @Test(arguments: [
        (10_000, 3, [3_334, 3_333, 3_333]),
        (10_001, 3, [3_334, 3_334, 3_333]),
        (5, 4, [2, 1, 1, 1]),
        (0, 2, [0, 0]),
        (-10_000, 3, [-3_334, -3_333, -3_333]),
        (7, 1, [7]),
    ])
    func splitSumsExactlyWithTheRemainderFirst(amount: Int64, parts: Int, expected: [Int64]) throws {
        let shares = try Money(minorUnits: amount, sek).split(into: parts)
        #expect(shares.map(\.amount) == expected)
        #expect(shares.reduce(0) { $0 + $1.amount } == amount)
        #expect(shares.allSatisfy { $0.currency == sek })
    }

    @Test func splitIsDeterministicAndFairForManyAmounts() throws {
        for amount in Int64(0)...2_000 {
            for parts in 1...7 {
                let shares = try Money(minorUnits: amount, sek).split(into: parts)
                #expect(shares.reduce(0) { $0 + $1.amount } == amount)
                #expect(shares.map(\.amount).max()! - shares.map(\.amount).min()! <= 1)
                #expect(shares == (try Money(minorUnits: amount, sek).split(into: parts)))
            }
        }
    }

    @Test func weightedAllocationUsesLargestRemainder() throws {
        let shares = try Money(minorUnits: 100, sek).allocate(weights: [1, 1, 1])
        #expect(shares.map(\.amount) == [34, 33, 33])
        let weighted = try Money(minorUnits: 1_000, sek).allocate(weights: [3, 7])
        #expect(weighted.map(\.amount) == [300, 700])
        let uneven = try Money(minorUnits: 10, sek).allocate(weights: [1, 2, 4])
        #expect(uneven.map(\.amount) == [1, 3, 6])
        let large = try Money(minorUnits: .max, sek).allocate(weights: [Int64.max / 3, Int64.max / 3])
        #expect(large.reduce(Int64(0)) { $0 &+ $1.amount } == .max)
        #expect(throws: MoneyError.self) { try Money(minorUnits: 1, sek).split(into: 0) }
        #expect(throws: MoneyError.self) { try Money(minorUnits: 1, sek).allocate(weights: [0, 0]) }
        #expect(throws: MoneyError.self) { try Money(minorUnits: 1, sek).allocate(weights: [1, -1]) }
    }

    @Test func wireFormatIsMinorUnitsAndCode() throws {
        let json = String(decoding: try MessageCoding.encode(Money(minorUnits: 12_500, sek)), as: UTF8.self)
        #expect(json == #"{"amount":12500,"currency":"SEK"}"#)
        let decoded = try MessageCoding.decode(Money.self, from: Array(#"{"amount": 995, "currency": "EUR"}"#.utf8))
        #expect(decoded == Money(minorUnits: 995, .eur))
        #expect(throws: DecodingError.self) {
            try MessageCoding.decode(Money.self, from: Array(#"{"amount": 1, "currency": "XXX"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try MessageCoding.decode(Money.self, from: Array(#"{"amount": 1.5, "currency": "SEK"}"#.utf8))
        }
    }
}
