import Foundation
import KvittContracts
import Testing

/// Builds BgMax records field by field (positions per docs/domain.md §2.3). Lines are left without trailing
/// blanks; ``file(_:separator:padded:)`` pads them.
private enum Line {
    static func start(
        layout: String = "BGMAX",
        version: String = "01",
        written: String = "20260115063012123456",
        marker: String = "T"
    ) -> String {
        "01" + left(layout, 20) + version + written + marker
    }

    static func opening(bankgiro: String, plusgiro: String? = nil, currency: String = "SEK") -> String {
        "05" + zeros(bankgiro, 10) + (plusgiro.map { zeros($0, 10) } ?? left("", 10)) + currency
    }

    /// A payment (20), deduction (21) or extra reference (22, 23) record. A reference with code 2 is right-aligned
    /// (N:hb), any other left-aligned.
    static func payment(
        _ type: String = "20",
        sender: String = "0",
        reference: String,
        amount: Int64,
        code: Int,
        channel: Int = 1,
        serial: String,
        image: Int = 0,
        deduction: Int? = nil
    ) -> String {
        let referenceField = code == 2 ? right(reference, 25) : left(reference, 25)
        return type + zeros(sender, 10) + referenceField + zeros(String(amount), 18) + "\(code)\(channel)"
            + zeros(serial, 12) + "\(image)" + (deduction.map(String.init) ?? "")
    }

    static func information(_ text: String) -> String { "25" + text }

    static func name(_ name: String, extra: String = "") -> String { "26" + left(name, 35) + extra }

    static func address(_ address: String, postcode: String) -> String { "27" + left(address, 35) + postcode }

    static func city(_ city: String, country: String = "", code: String = "") -> String {
        "28" + left(city, 35) + left(country, 35) + code
    }

    static func organisationNumber(_ number: String) -> String { "29" + number }

    static func deposit(
        account: String = "50000001234567",
        date: String = "20260115",
        serial: String = "00001",
        total: Int64,
        currency: String = "SEK",
        count: Int,
        type: String = ""
    ) -> String {
        "15" + zeros(account, 35) + date + serial + zeros(String(total), 18) + currency + zeros(String(count), 8) + type
    }

    static func end(payments: Int, deductions: Int = 0, extraReferences: Int = 0, deposits: Int = 1) -> String {
        "70" + [payments, deductions, extraReferences, deposits].map { zeros(String($0), 8) }.joined()
    }

    static func left(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    static func right(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    static func zeros(_ digits: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// The records of the synthetic sample (docs/domain.md §2.6), built field by field.
private let sampleLines = [
    Line.start(),
    Line.opening(bankgiro: "54029681"),
    Line.payment(reference: "100065", amount: 125_000, code: 2, channel: 1, serial: "1"),
    Line.name("Anna Andersson"),
    Line.address("Storgatan 1", postcode: "11122"),
    Line.city("Stockholm"),
    Line.payment(sender: "9020033", reference: "Faktura 1043", amount: 50_000, code: 3, channel: 2, serial: "2"),
    Line.information("Avser faktura 1043 och 1044"),
    Line.organisationNumber("005560360793"),
    Line.deposit(total: 175_000, count: 2),
    Line.end(payments: 2),
]

/// A file's bytes in ISO-8859-1: one byte per character.
private func latin1(_ text: String) -> [UInt8] {
    text.unicodeScalars.map { scalar in
        precondition(scalar.value < 256, "not ISO-8859-1: \(scalar)")
        return UInt8(scalar.value)
    }
}

/// Joins records into a file, padded to 80 characters unless told otherwise.
private func file(_ lines: [String], separator: String = "\n", padded: Bool = true) -> [UInt8] {
    latin1(lines.map { padded ? Line.left($0, 80) : $0 }.joined(separator: separator) + separator)
}

private func parse(_ lines: [String]) throws -> BgMaxFile {
    try BgMaxParser.parse(file(lines))
}

/// The sample with the line at `index` (0-based) replaced.
private func sample(replacing index: Int, with line: String) -> [String] {
    var lines = sampleLines
    lines[index] = line
    return lines
}

private let sek = Currency.sek

private func kr(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, sek) }

@Suite("BgMax: Bankgiro Inbetalningar files")
struct BgMaxParserTests {
    static let sampleBytes: [UInt8] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let url = root.appendingPathComponent("../shared/reference/bgmax-synthetic-sample.txt")
        return Array(try! Data(contentsOf: url))
    }()

    @Test func syntheticSampleParses() throws {
        let parsed = try BgMaxParser.parse(Self.sampleBytes)
        #expect(parsed.header.version == "01")
        #expect(parsed.header.isTest)
        #expect(parsed.header.timestamp.text == "20260115063012123456")
        #expect(parsed.header.timestamp.date == CalendarDate(year: 2026, month: 1, day: 15))
        #expect(parsed.header.timestamp.hour == 6)
        #expect(parsed.header.timestamp.minute == 30)
        #expect(parsed.header.timestamp.second == 12)
        #expect(parsed.header.timestamp.microsecond == 123_456)
        #expect(parsed.header.timestamp.description == "2026-01-15 06:30:12.123456")
        #expect(parsed.counts == BgMaxCounts(payments: 2, deductions: 0, extraReferences: 0, deposits: 1))

        #expect(parsed.deposits.count == 1)
        let deposit = try #require(parsed.deposits.first)
        #expect(deposit.payeeBankgiro == "54029681")
        #expect(deposit.payeePlusgiro == nil)
        #expect(deposit.currency == sek)
        #expect(deposit.payeeBankAccount == "50000001234567")
        #expect(deposit.paymentDate == CalendarDate(year: 2026, month: 1, day: 15))
        #expect(deposit.depositSerialNumber == "00001")
        #expect(deposit.total == kr(175_000))
        #expect(deposit.depositType == nil)
        #expect(deposit.payments.count == 2)

        let first = deposit.payments[0]
        #expect(first.kind == .payment)
        #expect(first.senderBankgiro == nil)
        #expect(first.amount == kr(125_000))
        #expect(first.referenceCode == .ocr)
        #expect(first.referenceCode.isVerified)
        #expect(first.channel == .electronicBank)
        #expect(first.serialNumber == "000000000001")
        #expect(first.imageMarker == .noImage)
        #expect(first.deductionCode == nil)
        #expect(
            first.references == [BgMaxReference(code: .ocr, text: "100065", amount: kr(125_000), isNegative: false)]
        )
        #expect(first.informationTexts.isEmpty)
        let payer = try #require(first.payer)
        #expect(payer.name == "Anna Andersson")
        #expect(payer.extraName == nil)
        #expect(payer.address == "Storgatan 1")
        #expect(payer.postcode == "11122")
        #expect(payer.city == "Stockholm")
        #expect(payer.country == nil)
        #expect(payer.countryCode == nil)
        #expect(payer.organisationNumber == nil)

        let second = deposit.payments[1]
        #expect(second.senderBankgiro == "9020033")
        #expect(second.amount == kr(50_000))
        #expect(second.mainReference.text == "Faktura 1043")
        #expect(second.referenceCode == .unverified)
        #expect(!second.referenceCode.isVerified)
        #expect(second.channel == .supplierPayments)
        #expect(second.serialNumber == "000000000002")
        #expect(second.informationTexts == ["Avser faktura 1043 och 1044"])
        #expect(second.payer?.organisationNumber == "005560360793")
        #expect(second.payer?.name == nil)
    }

    @Test func recordsBuiltInTheTestMatchTheSampleFile() throws {
        #expect(file(sampleLines) == Self.sampleBytes)
    }

    @Test(arguments: ["\r\n", "\n", "\r", ""])
    func lineBreaksDoNotMatter(separator: String) throws {
        let expected = try BgMaxParser.parse(Self.sampleBytes)
        let bytes = file(sampleLines, separator: separator)
        #expect(try BgMaxParser.parse(bytes) == expected)
        #expect(try BgMaxParser.parse(bytes + [0x1A]) == expected)
    }

    @Test func missingPaddingIsFilledWithBlanks() throws {
        let expected = try BgMaxParser.parse(Self.sampleBytes)
        for separator in ["\r\n", "\n", "\r"] {
            let trimmed = latin1(sampleLines.joined(separator: separator))
            #expect(try BgMaxParser.parse(trimmed) == expected)
        }
        // Without line breaks only the last record can be short.
        let unbroken = latin1(sampleLines.dropLast().map { Line.left($0, 80) }.joined() + sampleLines.last!)
        #expect(try BgMaxParser.parse(unbroken) == expected)
    }

    @Test func blankLinesAndAnEndOfFileCharacterAreIgnored() throws {
        let expected = try BgMaxParser.parse(Self.sampleBytes)
        var lines = sampleLines
        lines.insert("", at: 3)
        lines.insert("   ", at: 1)
        #expect(try BgMaxParser.parse(file(lines) + [0x1A]) == expected)
        #expect(try BgMaxParser.parse(file(lines, separator: "\r\n") + [0x1A, 0x0D, 0x0A]) == expected)
    }

    /// Bankgirot's own sample file has a TK22 record with tabs where blanks belong, and without trailing blanks;
    /// expanding the tabs to the next multiple of 8 columns restores the layout.
    @Test func tabsExpandToTheLayout() throws {
        let extra = Line.payment("22", sender: "54029681", reference: "100065", amount: 0, code: 2, serial: "1")
        let tabbed = String(extra.prefix(12)) + "\t\t" + String(extra.dropFirst(24))
        #expect(tabbed.count == extra.count - 10)
        var plain = sampleLines
        plain.insert(extra, at: 3)
        plain[sampleLines.count] = Line.end(payments: 2, extraReferences: 1)
        var withTabs = plain
        withTabs[3] = tabbed
        let expected = try parse(plain)
        #expect(try BgMaxParser.parse(latin1(withTabs.joined(separator: "\n"))) == expected)
        // Without line breaks a tabbed record is 80 characters once its tabs are expanded.
        let unbroken = withTabs.map { Line.left($0, 80).prefix($0 == tabbed ? 70 : 80) }.joined()
        #expect(try BgMaxParser.parse(latin1(unbroken)) == expected)
        #expect(expected.deposits[0].payments[0].references.last?.text == "100065")
        let withTabLine = [Line.start(), "\t"] + sampleLines.dropFirst()
        #expect(try parse(withTabLine) == (try BgMaxParser.parse(Self.sampleBytes)))
    }

    @Test func everyRecordTypeIsRead() throws {
        let lines = [
            Line.start(written: "20040525173035010331", marker: "P"),
            Line.opening(bankgiro: "9912346", plusgiro: "1234566"),
            Line.payment(
                sender: "3783511",
                reference: "657866 658765",
                amount: 140_000,
                code: 3,
                channel: 3,
                serial: "140",
                image: 1
            ),
            Line.payment("22", sender: "3783511", reference: "657866", amount: 150_000, code: 2, serial: "140"),
            Line.information("Betalning med extra refnr"),
            Line.payment("23", sender: "3783511", reference: "658765", amount: 10_000, code: 2, serial: "140"),
            Line.information(" Faktura 658765"),
            Line.name("Kalles Plåt AB", extra: "Ekonomiavdelningen"),
            Line.address("Storgatan 2", postcode: "12345"),
            Line.city("Oslo", country: "Norge", code: "NO"),
            Line.organisationNumber("005500001234"),
            Line.payment(
                "21",
                sender: "3783511",
                reference: "89853",
                amount: 50_000,
                code: 3,
                channel: 2,
                serial: "230000111",
                deduction: 0
            ),
            Line.payment(reference: "655969", amount: 100_000, code: 2, channel: 2, serial: "10"),
            Line.deposit(
                account: "5841000001009823",
                date: "20040525",
                serial: "00074",
                total: 190_000,
                count: 3,
                type: "K"
            ),
            Line.opening(bankgiro: "9912346"),
            Line.payment(reference: "", amount: 120_000, code: 1, channel: 3, serial: "131", image: 1),
            Line.payment(
                "21",
                reference: "ABC-1",
                amount: 20_000,
                code: 4,
                channel: 4,
                serial: "132",
                deduction: 1
            ),
            Line.payment("21", reference: "ABC-2", amount: 10_000, code: 5, serial: "133", deduction: 2),
            Line.payment("21", reference: "", amount: 5_000, code: 0, serial: "134", deduction: 3),
            Line.deposit(date: "20040526", serial: "00075", total: 85_000, count: 4),
            Line.end(payments: 3, deductions: 4, extraReferences: 2, deposits: 2),
        ]
        let parsed = try parse(lines)
        #expect(!parsed.header.isTest)
        #expect(parsed.header.timestamp.date == CalendarDate(year: 2004, month: 5, day: 25))
        #expect(parsed.counts == BgMaxCounts(payments: 3, deductions: 4, extraReferences: 2, deposits: 2))
        #expect(parsed.deposits.count == 2)

        let deposit = parsed.deposits[0]
        #expect(deposit.payeeBankgiro == "9912346")
        #expect(deposit.payeePlusgiro == "1234566")
        #expect(deposit.payeeBankAccount == "5841000001009823")
        #expect(deposit.paymentDate == CalendarDate(year: 2004, month: 5, day: 25))
        #expect(deposit.depositSerialNumber == "00074")
        #expect(deposit.total == kr(190_000))
        #expect(deposit.depositType == "K")
        #expect(deposit.payments.map(\.kind) == [.payment, .deduction, .payment])

        let split = deposit.payments[0]
        #expect(split.channel == .paperSlip)
        #expect(split.imageMarker == .image)
        #expect(split.senderBankgiro == "3783511")
        #expect(
            split.references == [
                BgMaxReference(code: .unverified, text: "657866 658765", amount: kr(140_000), isNegative: false),
                BgMaxReference(code: .ocr, text: "657866", amount: kr(150_000), isNegative: false),
                BgMaxReference(code: .ocr, text: "658765", amount: kr(10_000), isNegative: true),
            ]
        )
        #expect(split.extraReferences.map(\.signedAmount) == [kr(150_000), kr(-10_000)])
        #expect(split.informationTexts == ["Betalning med extra refnr", "Faktura 658765"])
        #expect(
            split.payer
                == BgMaxPayer(
                    name: "Kalles Plåt AB",
                    extraName: "Ekonomiavdelningen",
                    address: "Storgatan 2",
                    postcode: "12345",
                    city: "Oslo",
                    country: "Norge",
                    countryCode: "NO",
                    organisationNumber: "005500001234"
                )
        )

        let deduction = deposit.payments[1]
        #expect(deduction.kind == .deduction)
        #expect(deduction.amount == kr(50_000))
        #expect(deduction.signedAmount == kr(-50_000))
        #expect(deduction.mainReference.isNegative)
        #expect(deduction.deductionCode == .full)
        #expect(deduction.serialNumber == "000230000111")
        #expect(deduction.payer == nil)

        let second = parsed.deposits[1]
        #expect(second.payeePlusgiro == nil)
        #expect(second.depositType == nil)
        #expect(
            second.payments.map(\.referenceCode) == [
                .noReference, .extendedFormCorrect, .extendedFormIncorrect, .blank,
            ]
        )
        #expect(second.payments.map(\.channel) == [.paperSlip, .autogiro, .electronicBank, .electronicBank])
        #expect(second.payments.map(\.deductionCode) == [nil, .partial, .finalAfterPartial, .unconfirmedThree])
        #expect(second.payments[0].mainReference.text.isEmpty)
    }

    /// The deposit total is Σ payments (20) − Σ deductions (21); extra references (22/23) split their payment and
    /// do not count (docs/domain.md §2.3, Bankgirot's sample: 100 000 + 140 000 − 50 000 = 190 000 öre).
    @Test func depositTotalIsPaymentsLessDeductionsWithoutExtraReferences() throws {
        func lines(total: Int64) -> [String] {
            [
                Line.start(),
                Line.opening(bankgiro: "9912346"),
                Line.payment(reference: "655969", amount: 100_000, code: 2, serial: "10"),
                Line.payment("21", reference: "89853", amount: 50_000, code: 3, serial: "11", deduction: 0),
                Line.payment(reference: "", amount: 140_000, code: 3, serial: "12"),
                Line.payment("22", reference: "657866", amount: 100_000, code: 2, serial: "12"),
                Line.payment("23", reference: "658765", amount: 20_000, code: 2, serial: "12"),
                Line.deposit(total: total, count: 3),
                Line.end(payments: 2, deductions: 1, extraReferences: 2),
            ]
        }
        #expect(try parse(lines(total: 190_000)).deposits[0].total == kr(190_000))
        // Adding the deductions, or counting the extra references, does not add up.
        #expect(throws: BgMaxError.depositTotalMismatch(line: 8, expected: kr(290_000), found: kr(190_000))) {
            try parse(lines(total: 290_000))
        }
        #expect(throws: BgMaxError.depositTotalMismatch(line: 8, expected: kr(270_000), found: kr(190_000))) {
            try parse(lines(total: 270_000))
        }
    }

    @Test func badDepositTotalIsRefusedWithTheLine() {
        let lines = sample(replacing: 9, with: Line.deposit(total: 175_100, count: 2))
        let error = #expect(
            throws: BgMaxError.depositTotalMismatch(line: 10, expected: kr(175_100), found: kr(175_000))
        ) {
            try parse(lines)
        }
        #expect(error?.line == 10)
        #expect(error?.description.hasPrefix("line 10: ") == true)
        #expect(error?.description.contains("1751.00 SEK") == true)
    }

    @Test func badDepositCountIsRefused() {
        let lines = sample(replacing: 9, with: Line.deposit(total: 175_000, count: 3))
        #expect(throws: BgMaxError.depositCountMismatch(line: 10, expected: 3, found: 2)) { try parse(lines) }
    }

    @Test func badEndCountsAreRefused() {
        #expect(throws: BgMaxError.endCountMismatch(line: 11, kind: .payments, expected: 3, found: 2)) {
            try parse(sample(replacing: 10, with: Line.end(payments: 3)))
        }
        #expect(throws: BgMaxError.endCountMismatch(line: 11, kind: .deductions, expected: 1, found: 0)) {
            try parse(sample(replacing: 10, with: Line.end(payments: 2, deductions: 1)))
        }
        #expect(throws: BgMaxError.endCountMismatch(line: 11, kind: .extraReferences, expected: 4, found: 0)) {
            try parse(sample(replacing: 10, with: Line.end(payments: 2, extraReferences: 4)))
        }
        let error = #expect(throws: BgMaxError.endCountMismatch(line: 11, kind: .deposits, expected: 2, found: 1)) {
            try parse(sample(replacing: 10, with: Line.end(payments: 2, deposits: 2)))
        }
        #expect(error?.description.contains("deposit records (15)") == true)
    }

    @Test func onlyTheBgMaxLayoutIsRead() {
        #expect(throws: BgMaxError.invalidLayoutName(line: 1, found: "BGMIN")) {
            try parse(sample(replacing: 0, with: Line.start(layout: "BGMIN")))
        }
        let error = #expect(throws: BgMaxError.unsupportedVersion(line: 1, found: "02")) {
            try parse(sample(replacing: 0, with: Line.start(version: "02")))
        }
        #expect(error?.description.contains("'02' is not supported (supported: '01')") == true)
        #expect(
            throws: BgMaxError.invalidField(
                line: 1,
                field: "test marker (position 45)",
                value: "X",
                reason: "expected T (test) or P (production)"
            )
        ) {
            try parse(sample(replacing: 0, with: Line.start(marker: "X")))
        }
        #expect(throws: BgMaxError.self) {
            try parse(sample(replacing: 0, with: Line.start(written: "20261315063012123456")))
        }
    }

    @Test func recordsOutOfOrderAreRefused() {
        /// The line and record type of a ``BgMaxError/recordOutOfOrder(line:type:reason:)``, e.g. `"2 20"`.
        func outOfOrder(_ lines: [String]) -> String? {
            do {
                _ = try parse(lines)
                return nil
            } catch {
                guard case .recordOutOfOrder(let line, let type, _) = error as? BgMaxError else { return nil }
                return "\(line) \(type)"
            }
        }
        // A payment before its deposit is opened.
        var swapped = sampleLines
        swapped.swapAt(1, 2)
        #expect(outOfOrder(swapped) == "2 20")
        // A name record before any payment of the deposit.
        #expect(outOfOrder(Array(sampleLines[0...1]) + [Line.name("X")] + sampleLines[2...]) == "3 26")
        // A new deposit before the open one is closed.
        #expect(outOfOrder(Array(sampleLines[0...8]) + [Line.opening(bankgiro: "1")] + sampleLines[9...]) == "10 05")
        // The end before the deposit record.
        #expect(outOfOrder(Array(sampleLines[0...8]) + [sampleLines[10]]) == "10 70")
        // A deposit record without an opening record.
        #expect(outOfOrder([sampleLines[0], sampleLines[9], sampleLines[10]]) == "2 15")
        // Anything after the end.
        #expect(outOfOrder(sampleLines + [Line.information("late")]) == "12 25")
        // No start record first, or two of them.
        #expect(outOfOrder(Array(sampleLines.dropFirst())) == "1 05")
        #expect(outOfOrder([sampleLines[0]] + sampleLines) == "2 01")
        // No end record at all.
        #expect(throws: BgMaxError.missingEndRecord(line: 10)) { try parse(Array(sampleLines.dropLast())) }
        let error = #expect(throws: BgMaxError.self) { try parse(swapped) }
        #expect(error?.description.hasPrefix("line 2: record 20 is out of order") == true)
    }

    @Test func unknownRecordTypesAreSkippedAndCountedWithTheirLines() throws {
        // Bankgirot's manual: a receiver ignores the record types it does not use (docs/domain.md §2.1).
        var lines = sampleLines
        lines.insert("99 something new", at: 5)
        let parsed = try parse(lines)
        #expect(parsed.skippedRecords == [BgMaxSkippedRecord(line: 6, type: "99")])
        #expect(parsed.deposits[0].payments.count == 2 && parsed.deposits[0].payments[0].payer?.city == "Stockholm")
        #expect(parsed.warnings.first?.contains("unknown type 99") == true)
        #expect(parsed.warnings.first?.contains("line") == true)
        // Without line breaks the line is the record's position.
        let unbroken = latin1(lines.map { Line.left($0, 80) }.joined())
        #expect(try BgMaxParser.parse(unbroken).skippedRecords == [BgMaxSkippedRecord(line: 6, type: "99")])
        // A file in the layout has no skipped records and no warnings.
        #expect(try parse(sampleLines).skippedRecords.isEmpty && (try parse(sampleLines).warnings.isEmpty))
    }

    @Test func whatIsNoRecordTypeAtAllIsRefusedWithTheLine() {
        var lines = sampleLines
        lines.insert("XY not a record", at: 5)
        let error = #expect(throws: BgMaxError.unknownRecordType(line: 6, type: "XY")) { try parse(lines) }
        #expect(error?.description.hasPrefix("line 6: unknown record type 'XY'") == true)
        // Blank lines count in the line number.
        lines.insert("", at: 1)
        #expect(throws: BgMaxError.unknownRecordType(line: 7, type: "XY")) { try parse(lines) }
        // The start record still comes first, and nothing follows the end.
        #expect(throws: BgMaxError.unknownRecordType(line: 1, type: "99")) { try parse(["99 first"] + sampleLines) }
        #expect(throws: BgMaxError.unknownRecordType(line: 12, type: "99")) { try parse(sampleLines + ["99 last"]) }
    }

    @Test func aUTF8FileIsReadAsUTF8SoThatNoFieldShifts() throws {
        var lines = sampleLines
        lines[3] = Line.name("Kalles Plåt AB", extra: "Ekonomiavdelningen")
        lines[5] = Line.city("Göteborg", country: "Sverige", code: "SE")
        let text = lines.map { Line.left($0, 80) }.joined(separator: "\r\n") + "\r\n"
        let utf8 = Array(text.utf8)
        #expect(utf8.count > text.unicodeScalars.count, "å and ö take two bytes each")
        let parsed = try BgMaxParser.parse(utf8)
        #expect(parsed.encoding == .utf8)
        let payer = try #require(parsed.deposits[0].payments[0].payer)
        #expect(payer.name == "Kalles Plåt AB" && payer.extraName == "Ekonomiavdelningen")
        #expect(payer.city == "Göteborg" && payer.country == "Sverige" && payer.countryCode == "SE")
        #expect(parsed.warnings.contains { $0.contains("UTF-8") })
        // The same file in ISO-8859-1 reads the same, as ISO-8859-1; a byte-order mark is UTF-8 too.
        let latin = try BgMaxParser.parse(file(lines))
        #expect(latin.encoding == .latin1 && latin.deposits == parsed.deposits)
        #expect(try BgMaxParser.parse([0xEF, 0xBB, 0xBF] + utf8).deposits == parsed.deposits)
        // ISO-8859-1 bytes that are not valid UTF-8 stay ISO-8859-1.
        #expect(try BgMaxParser.parse(file(lines)).deposits[0].payments[0].payer?.name == "Kalles Plåt AB")
    }

    @Test func aUTF8FileWithACharacterISO88591LacksIsRefusedWithTheLine() {
        var lines = sampleLines
        lines[3] = Line.name("Kalles Plåt AB €")
        let utf8 = Array((lines.map { Line.left($0, 80) }.joined(separator: "\n") + "\n").utf8)
        let error = #expect(throws: BgMaxError.self) { try BgMaxParser.parse(utf8) }
        guard case .invalidEncoding(let line, let reason)? = error else {
            Issue.record("expected invalidEncoding, got \(String(describing: error))")
            return
        }
        #expect(line == 4 && reason.contains("U+20AC"))
        #expect(
            throws: BgMaxError.invalidEncoding(
                line: 1,
                reason: "the file starts with a UTF-8 byte-order mark but is not UTF-8"
            )
        ) { try BgMaxParser.parse([0xEF, 0xBB, 0xBF] + file(sample(replacing: 3, with: Line.name("Åsa")))) }
    }

    @Test func latin1NamesAreDecodedByteForByte() throws {
        var lines = sampleLines
        lines[3] = Line.name("Åsa Öberg")
        lines[5] = Line.city("Malmö")
        let bytes = file(lines)
        #expect(bytes.contains(0xC5) && bytes.contains(0xD6) && bytes.contains(0xF6))
        #expect(bytes.count == Self.sampleBytes.count)
        let payer = try #require(try BgMaxParser.parse(bytes).deposits[0].payments[0].payer)
        #expect(payer.name == "Åsa Öberg")
        #expect(payer.name?.unicodeScalars.map(\.value).prefix(1) == [0xC5])
        #expect(payer.city == "Malmö")
    }

    @Test func invalidFieldsAreRefusedWithTheLine() {
        let badAmount = Line.payment(reference: "100065", amount: 125_000, code: 2, serial: "1")
            .replacingOccurrences(of: "000000000000125000", with: "0000000000001250X0")
        #expect(
            throws: BgMaxError.invalidField(
                line: 3,
                field: "payment amount (positions 38–55)",
                value: "0000000000001250X0",
                reason: "expected digits"
            )
        ) {
            try parse(sample(replacing: 2, with: badAmount))
        }
        #expect(
            throws: BgMaxError.invalidField(
                line: 3,
                field: "reference code (position 56)",
                value: "7",
                reason: "not a code of the layout"
            )
        ) {
            try parse(sample(replacing: 2, with: Line.payment(reference: "1", amount: 125_000, code: 7, serial: "1")))
        }
        #expect(
            throws: BgMaxError.invalidField(
                line: 10,
                field: "payment date (positions 38–45)",
                value: "20260230",
                reason: "expected a date YYYYMMDD"
            )
        ) {
            try parse(sample(replacing: 9, with: Line.deposit(date: "20260230", total: 175_000, count: 2)))
        }
        #expect(throws: BgMaxError.currencyMismatch(line: 10, opening: "SEK", deposit: "EUR")) {
            try parse(sample(replacing: 9, with: Line.deposit(total: 175_000, currency: "EUR", count: 2)))
        }
        #expect(throws: BgMaxError.self) {
            try parse(sample(replacing: 1, with: Line.opening(bankgiro: "54029681", currency: "XXX")))
        }
        // A deduction must say what it leaves owing.
        #expect(throws: BgMaxError.self) {
            try parse(sample(replacing: 2, with: "21" + sampleLines[2].dropFirst(2)))
        }
    }

    @Test func malformedFilesAreRefused() {
        #expect(throws: BgMaxError.emptyFile) { try BgMaxParser.parse([]) }
        #expect(throws: BgMaxError.emptyFile) { try BgMaxParser.parse(latin1("\r\n\n  \n\u{1A}")) }
        #expect(throws: BgMaxError.recordTooLong(line: 4, length: 81)) {
            try parse(sample(replacing: 3, with: Line.left(sampleLines[3], 80) + "X"))
        }
        var lines = sampleLines
        lines.insert(Line.name("Anna"), at: 4)
        #expect(throws: BgMaxError.duplicateRecord(line: 5, type: "26")) { try parse(lines) }
    }

    @Test func jsonRoundTrips() throws {
        let parsed = try BgMaxParser.parse(Self.sampleBytes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(parsed)
        #expect(try JSONDecoder().decode(BgMaxFile.self, from: json) == parsed)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains(#""paymentDate":"2026-01-15""#))
        #expect(text.contains(#""total":{"amount":175000,"currency":"SEK"}"#))
    }

    @Test func summaryDescribesDepositsPaymentsAndTotals() throws {
        let summary = try BgMaxParser.parse(Self.sampleBytes).summary()
        let expected = """
            BgMax file version 01, written 2026-01-15 06:30:12.123456, TEST FILE (not to be booked)
            1 deposit, 2 payments, 0 deductions, 0 extra references

            Deposit 00001, payment date 2026-01-15, to bankgiro 5402-9681, bank account 50000001234567
              1. Payment 1 250,00 kr, serial 000000000001, bank
                 Payer: Anna Andersson, Storgatan 1, 11122 Stockholm
                 Reference: 100065 (correct OCR)
              2. Payment 500,00 kr, serial 000000000002, supplier payments (LB), from bankgiro 902-0033
                 Payer: org. no. 005560360793
                 Reference: Faktura 1043 (unverified)
                 Text: Avser faktura 1043 och 1044
              Deposit total: 1 750,00 kr in 2 payments

            Total: 1 750,00 kr in 1 deposit

            """
        #expect(summary == expected)
    }
}
