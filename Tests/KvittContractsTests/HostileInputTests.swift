import Foundation
import KvittContracts
import Testing

/// A message field holding one date, to see what decoding says about it.
private struct Dated: Codable {
    var dueDate: CalendarDate
}

private func decodingDescription(_ json: String) -> String? {
    do {
        _ = try MessageCoding.decode(Dated.self, from: Array(json.utf8))
        return nil
    } catch let DecodingError.dataCorrupted(context) {
        return context.codingPath.map(\.stringValue).joined(separator: ".") + ": " + context.debugDescription
    } catch {
        return "\(error)"
    }
}

/// BgMax records for one-payment deposits, positions per docs/domain.md §2.3.
private enum BgMaxLines {
    static func zeros(_ digits: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func padded(_ line: String) -> String { line + String(repeating: " ", count: max(0, 80 - line.count)) }

    /// A file of deposits to bankgiro 5402-9681, each holding one OCR payment of `amount` öre.
    static func file(amounts: [Int64], date: String = "20260115") -> [UInt8] {
        var lines = ["01BGMAX               0120260115063012123456T"]
        for (index, amount) in amounts.enumerated() {
            lines.append("05" + zeros("54029681", 10) + String(repeating: " ", count: 10) + "SEK")
            lines.append(
                "20" + zeros("0", 10) + String(repeating: " ", count: 19) + "100065" + zeros(String(amount), 18)
                    + "21" + zeros(String(index + 1), 12) + "0"
            )
            lines.append(
                "15" + zeros("50000001234567", 35) + date + zeros(String(index + 1), 5) + zeros(String(amount), 18)
                    + "SEK" + zeros("1", 8)
            )
        }
        lines.append("70" + [amounts.count, 0, 0, amounts.count].map { zeros(String($0), 8) }.joined())
        return Array(lines.map(padded).joined(separator: "\r\n").utf8)
    }
}

@Suite("Hostile input to the contracts: no value from outside traps")
struct HostileInputTests {
    // MARK: - CalendarDate

    @Test(arguments: ["9999-12-31", "2200-01-01", "1899-12-31", "0001-01-01"])
    func datesOutsideTheSupportedRangeAreRefused(text: String) {
        #expect(throws: CalendarDateError.outsideSupportedRange) { try CalendarDate(parsing: text) }
        let description = decodingDescription(#"{"dueDate": "\#(text)"}"#)
        #expect(description?.hasPrefix("dueDate: outside the supported dates 1900-01-01…2199-12-31") == true)
    }

    @Test func theEndsOfTheSupportedRangeAreAccepted() throws {
        #expect(try CalendarDate(parsing: "1900-01-01") == CalendarDate.supportedRange.lowerBound)
        #expect(try CalendarDate(parsing: "2199-12-31") == CalendarDate.supportedRange.upperBound)
        #expect(decodingDescription(#"{"dueDate": "2199-12-31"}"#) == nil)
    }

    @Test(arguments: [
        "2026-+1-01", "+026-01-01", " 2026-01-01", "2026-01-01 ", "2026-1-01", "20260101", "", "２０２６-01-01",
    ])
    func malformedDatesAreRefused(text: String) {
        #expect(throws: CalendarDateError.malformed) { try CalendarDate(parsing: text) }
        #expect(CalendarDate(text) == nil)
    }

    @Test func nonexistentDatesAreRefused() {
        #expect(throws: CalendarDateError.nonexistent) { try CalendarDate(parsing: "2026-02-30") }
        #expect(throws: CalendarDateError.nonexistent) { try CalendarDate(parsing: "0000-01-01") }
    }

    @Test func storedDatesReadBackOutsideTheSupportedRange() {
        // A value a service computed (a deadline, a ten-year limit) reads back; only input is held to the range.
        #expect(CalendarDate("9999-12-31")?.year == 9999)
        #expect(CalendarDate("2300-06-01")?.description == "2300-06-01")
    }

    @Test func aHugeDateFieldMakesAShortError() throws {
        let huge = "2026-01-01" + String(repeating: "x", count: 2_000_000)
        let description = try #require(decodingDescription(#"{"dueDate": "\#(huge)"}"#))
        #expect(description.utf8.count < 200, "\(description.prefix(300))")
        #expect(description.contains("2000010 bytes"))
    }

    @Test func dayArithmeticNeverTraps() throws {
        let last = try #require(CalendarDate("9999-12-31"))
        let first = try #require(CalendarDate("0001-01-01"))
        #expect(last.adding(days: 1) == last, "held to the representable calendar")
        #expect(last.adding(days: .max) == last)
        #expect(first.adding(days: .min) == first)
        #expect(first.adding(days: -1) == first)
        #expect(CalendarDate.supportedRange.upperBound.adding(days: 1) == CalendarDate("2200-01-01"))
        #expect(try CalendarDate(parsing: "2026-01-31").adding(days: 1) == CalendarDate("2026-02-01"))
        #expect(try CalendarDate(parsing: "2024-03-01").adding(days: -1) == CalendarDate("2024-02-29"))
        #expect(first.days(until: last) == 3_652_058)
    }

    @Test func checkedDayArithmeticSaysWhenItLeavesTheRange() throws {
        let supported = CalendarDate.supportedRange
        #expect(supported.upperBound.adding(days: 1, within: supported) == nil)
        #expect(supported.lowerBound.adding(days: -1, within: supported) == nil)
        #expect(try CalendarDate(parsing: "2026-03-02").adding(days: .max, within: supported) == nil)
        #expect(try CalendarDate(parsing: "2026-03-02").adding(days: .min, within: supported) == nil)
        #expect(
            try CalendarDate(parsing: "2026-03-02").adding(days: 30, within: supported) == CalendarDate("2026-04-01")
        )
    }

    @Test func todayOfAnInstantBeyondTheCalendarIsItsNearestEnd() {
        let range = CalendarDate.representableRange
        #expect(CalendarDate.today(at: Date(timeIntervalSince1970: 1e15)) == range.upperBound)
        #expect(CalendarDate.today(at: Date(timeIntervalSince1970: -1e15)) == range.lowerBound)
        #expect(CalendarDate.today(at: Date(timeIntervalSince1970: 0)) == CalendarDate("1970-01-01"))
    }

    // MARK: - DecimalQuantity

    @Test func quantitiesOfManyDigitsAndDecimalsCompareAndAddWithoutTrapping() throws {
        let large = try #require(DecimalQuantity("999999999999999"))
        let tiny = try #require(DecimalQuantity("0.000001"))
        #expect(tiny < large)
        #expect(!(large < tiny))
        let negative = try #require(DecimalQuantity("-999999999999999"))
        #expect(negative < tiny)
        #expect(large.adding(tiny) == nil, "999999999999999.000001 needs more than 64 bits at six decimals")
        let half = try #require(DecimalQuantity("2.5"))
        let quarter = try #require(DecimalQuantity("0.25"))
        #expect(half.adding(quarter)?.description == "2.75")
        let slightlyMore = try #require(DecimalQuantity("2.51"))
        #expect(half < slightlyMore)
    }

    // MARK: - Amounts

    @Test func boundedSumsRefuseWhatLeavesTheBound() {
        let bound = MinorUnits.bound
        #expect(MinorUnits.sum(.max, 1) == nil)
        #expect(MinorUnits.sum(bound, 1) == nil)
        #expect(MinorUnits.sum(bound, -1) == bound - 1)
        #expect(MinorUnits.difference(.min, 1) == nil)
        #expect(MinorUnits.difference(-bound, 1) == nil)
        #expect(MinorUnits.total(Array(repeating: 999_999_999_999_999_999, count: 10)) == nil)
        #expect(MinorUnits.total([1, 2, 3]) == 6)
        #expect(MinorUnits.isWithinBound(-bound) && !MinorUnits.isWithinBound(.min))
    }

    // MARK: - BgMax

    @Test func tenDepositsOfTheLargestAmountAreRefusedNotSummedIntoATrap() throws {
        let amount: Int64 = 999_999_999_999_999_999
        // One deposit of the largest amount is a valid file.
        let one = try BgMaxParser.parse(BgMaxLines.file(amounts: [amount]))
        #expect(one.deposits.first?.total.amount == amount)
        #expect(one.summary().contains("Total: 9 999 999 999 999 999,99 kr"))
        // Ten overflow 64 bits: refused at the deposit record that tips it over (line 3 per deposit + the start).
        #expect(throws: BgMaxError.amountOverflow(line: 31)) {
            try BgMaxParser.parse(BgMaxLines.file(amounts: Array(repeating: amount, count: 10)))
        }
    }

    @Test func aSummaryOfDepositsThatOverflowSaysSo() throws {
        let file = try BgMaxParser.parse(BgMaxLines.file(amounts: [900_000_000_000_000_000]))
        let deposit = try #require(file.deposits.first)
        let built = BgMaxFile(
            header: file.header,
            deposits: Array(repeating: deposit, count: 11),
            counts: file.counts
        )
        #expect(built.summary().contains("Total: more than 64 bits of SEK minor units"))
    }

    @Test func aPaymentDateOutsideTheSupportedRangeIsAFieldError() {
        #expect(throws: BgMaxError.self) { try BgMaxParser.parse(BgMaxLines.file(amounts: [100], date: "99991231")) }
        do {
            _ = try BgMaxParser.parse(BgMaxLines.file(amounts: [100], date: "99991231"))
        } catch {
            guard case .invalidField(let line, let field, _, let reason) = error else {
                Issue.record("expected a field error, got \(error)")
                return
            }
            #expect(line == 4)
            #expect(field == "payment date (positions 38–45)")
            #expect(reason.contains("supported dates"))
        }
    }

    // MARK: - Query parameters

    private func query(_ pairs: [(String, String)], known: Set<String>) throws(InvalidQueryParameter)
        -> QueryParameters
    {
        try QueryParameters(pairs.map { (name: $0.0, value: $0.1) }, known: known)
    }

    /// The problem `read` throws, if it throws one.
    private func refusal(_ read: () throws -> Void) -> InvalidQueryParameter? {
        do {
            try read()
            return nil
        } catch {
            return error as? InvalidQueryParameter
        }
    }

    @Test func unknownAndRepeatedParametersAreRefused() {
        let unknown = refusal { _ = try query([("colur", "red")], known: ["colour"]) }
        #expect(unknown?.parameter == "colur")
        #expect(unknown?.reason.contains("unknown query parameter") == true)
        #expect(refusal { _ = try query([("a", "1")], known: []) }?.reason.contains("takes none") == true)
        #expect(refusal { _ = try query([("limit", "1"), ("limit", "2")], known: ["limit"]) }?.parameter == "limit")
        let longName = String(repeating: "n", count: 100_000)
        #expect((refusal { _ = try query([(longName, "1")], known: []) }?.parameter.utf8.count ?? .max) < 100)
    }

    @Test func datesAreCheckedForFormAndRange() throws {
        let parameters = try query(
            [("closedTo", "9999-12-31"), ("from", "2026-13-01"), ("to", "soon")],
            known: ["closedTo", "from", "to"]
        )
        #expect(
            refusal { _ = try parameters.date("closedTo") }?.reason.hasPrefix("outside the supported dates") == true
        )
        #expect(refusal { _ = try parameters.date("from") }?.reason.hasPrefix("no such day") == true)
        #expect(refusal { _ = try parameters.date("to") }?.reason.hasPrefix("expected a date") == true)
        #expect(try parameters.date("absent") == nil)
        let start = try CalendarDate(parsing: "2026-03-02")
        let end = try CalendarDate(parsing: "2026-03-01")
        let disordered = refusal { try QueryParameters.requireOrdered(start, end, startName: "from", endName: "to") }
        #expect(disordered?.parameter == "to")
    }

    @Test(arguments: [
        "-1", "0", "5001", "99999999999999999999999", "-99999999999999999999999", "1e3", "+5", " 5", "", "-",
    ])
    func integersOutsideTheirRangeOrMalformedAreRefused(text: String) throws {
        let parameters = try query([("limit", text)], known: ["limit"])
        let problem = refusal { _ = try parameters.integer("limit", in: 1...5000) }
        #expect(problem?.parameter == "limit")
    }

    @Test func choicesAndBooleansNameWhatIsAllowed() throws {
        enum Status: String, CaseIterable { case draft, issued }
        let parameters = try query(
            [("status", "paid"), ("open", "yes"), ("ok", "true")],
            known: ["status", "open", "ok"]
        )
        #expect(
            refusal { _ = try parameters.choice("status", of: Status.self) }?.reason.contains("draft, issued") == true
        )
        #expect(refusal { _ = try parameters.boolean("open") }?.parameter == "open")
        #expect(try parameters.boolean("ok") == true)
        #expect(
            refusal { _ = try query([("creditor", "")], known: ["creditor"]).text("creditor") }?.reason
                == "must not be empty"
        )
    }
}
