import Foundation
import KvittContracts
import KvittMessaging
import Logging
import Synchronization
import Testing

/// Every log format masks identity-shaped numbers, valid check digit or not, and stamps ISO 8601 times with offset,
/// through the handlers the host installs, writing to memory.
@Suite("Log lines: identity numbers masked and timestamps with offset, in every format")
struct LogMaskingTests {
    /// The lines a handler wrote.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    /// A logger through the host's handler for `format`, writing to `lines`.
    static func logger(_ format: ServiceSettings.LogFormat, _ lines: Lines) -> Logger {
        Logger(label: "masking-test") { label in
            KvittServiceHost.logHandler(format, label: label, level: .info) { lines.append($0) }
        }
    }

    /// Personnummer and organisationsnummer, with a valid and an invalid check digit, with and without separators.
    static let identities: [(written: String, masked: String)] = [
        ("19811218-9876", "19811218-****"),  // valid check digit
        ("19811218-9875", "19811218-****"),  // mistyped: the check digit fails
        ("8112189875", "811218****"),
        ("811218+9876", "811218+****"),  // over 100 years old
        ("198112189875", "19811218****"),
        ("811278-9871", "811278-****"),  // samordningsnummer (day + 60), invalid check digit
        ("556677-8899", "556677-****"),  // organisationsnummer, valid
        ("556677-8890", "556677-****"),  // organisationsnummer, invalid
        ("165566778890", "16556677****"),  // organisationsnummer in twelve digits
    ]

    /// Numbers a log line must keep: amounts, OCR references of other lengths, invoice numbers, dates.
    static let kept = [
        "1006000", "45000", "10017", "12345674", "123456789012345", "12345678901", "INV-2026-000123", "1001",
        "2026-04-06", "0000000000", "1913001234",
    ]

    static let message =
        "debtor \(identities.map(\.written).joined(separator: " ")) keep \(kept.joined(separator: " "))"
    static let maskedMessage =
        "debtor \(identities.map(\.masked).joined(separator: " ")) keep \(kept.joined(separator: " "))"

    @Test(arguments: [ServiceSettings.LogFormat.text, .json])
    func everyFormatMasksValidAndInvalidIdentityNumbersAndKeepsOtherNumbers(format: ServiceSettings.LogFormat)
        throws
    {
        let lines = Lines()
        Self.logger(format, lines).warning(
            "\(Self.message)",
            metadata: [
                "debtor.identity": "19811218-9875", "amount": "1006000", "ocr": "12345674",
                "parties": .array([.string("556677-8890"), .stringConvertible(8_112_189_875)]),
            ]
        )
        let line = try #require(lines.all.first)
        #expect(lines.all.count == 1 && line.hasSuffix("\n") && line.dropLast().contains("\n") == false)
        for identity in Self.identities {
            #expect(!line.contains(identity.written), "\(format): \(identity.written) in \(line)")
        }
        #expect(!line.contains("9875") && !line.contains("8890"), "\(line)")
        switch format {
        case .text:
            #expect(line.contains(" warning masking-test: \(Self.maskedMessage) "), "\(line)")
            #expect(line.contains("debtor.identity=19811218-****"), "\(line)")
            #expect(line.contains("amount=1006000") && line.contains("ocr=12345674"), "\(line)")
            #expect(line.contains("parties=\"[556677-****, 811218****]\""), "\(line)")
        case .json:
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            )
            #expect(object["msg"] as? String == Self.maskedMessage)
            #expect(object["level"] as? String == "warning")
            #expect(object["debtor.identity"] as? String == "19811218-****")
            #expect(object["amount"] as? String == "1006000" && object["ocr"] as? String == "12345674")
            #expect(object["parties"] as? [String] == ["556677-****", "811218****"])
        }
    }

    @Test(arguments: [ServiceSettings.LogFormat.text, .json])
    func everyFormatStampsISO8601WithTheOffset(format: ServiceSettings.LogFormat) throws {
        let lines = Lines()
        Self.logger(format, lines).info("started")
        let line = try #require(lines.all.first)
        let stamp: String
        switch format {
        case .text: stamp = String(line.prefix { $0 != " " })
        case .json:
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            stamp = try #require(object["ts"] as? String)
        }
        let pattern = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}/
        #expect(stamp.wholeMatch(of: pattern) != nil, "\(format): \(stamp)")
        let parsed = try #require(
            try? Date(
                stamp,
                strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(
                    separator: .colon
                )
            )
        )
        #expect(abs(parsed.timeIntervalSinceNow) < 60, "the offset says which instant it is")
    }

    @Test func timestampsCarryTheZonesOffsetSummerAndWinter() throws {
        // 2026-07-05 07:00:00.250 UTC and 2026-01-15 07:00:00 UTC.
        let summer = Date(timeIntervalSince1970: 1_783_234_800.25)
        let winter = Date(timeIntervalSince1970: 1_768_460_400)
        let stockholm = LogOutput.calendar(try #require(TimeZone(identifier: "Europe/Stockholm")))
        let utc = LogOutput.calendar(try #require(TimeZone(identifier: "UTC")))
        let newYork = LogOutput.calendar(try #require(TimeZone(identifier: "America/New_York")))
        #expect(LogOutput.timestamp(summer, calendar: stockholm) == "2026-07-05T09:00:00.250+02:00")
        #expect(LogOutput.timestamp(winter, calendar: stockholm) == "2026-01-15T08:00:00.000+01:00")
        #expect(LogOutput.timestamp(summer, calendar: utc) == "2026-07-05T07:00:00.250+00:00")
        #expect(LogOutput.timestamp(winter, calendar: newYork) == "2026-01-15T02:00:00.000-05:00")
    }

    @Test func aTextLineCannotBeForgedByALineBreakAndValuesWithSpacesAreQuoted() throws {
        let lines = Lines()
        Self.logger(.text, lines).error(
            "bad input\n2026-01-01T00:00:00.000+00:00 info forged: all good",
            metadata: ["reason": "not json: \"x\"", "empty": ""]
        )
        let line = try #require(lines.all.first)
        #expect(line.filter { $0 == "\n" }.count == 1, "\(line)")
        #expect(line.contains(#"bad input\n2026-01-01"#))
        #expect(line.contains(#"reason="not json: \"x\"""#) && line.contains(#"empty="""#), "\(line)")
    }

    @Test func aMetadataKeyCannotForgeAPairOrALine() throws {
        let lines = Lines()
        Self.logger(.text, lines).error(
            "bad key",
            metadata: ["x=1\n2026-01-01T00:00:00.000+00:00 info forged: ok": "v", "a b": "c"]
        )
        let line = try #require(lines.all.first)
        #expect(line.filter { $0 == "\n" }.count == 1, "\(line)")
        #expect(line.contains(#""a b"=c"#), "\(line)")
        #expect(line.contains(#""x=1\n2026-01-01T00:00:00.000+00:00 info forged: ok"=v"#), "\(line)")
    }

    @Test func onlyTenAndTwelveDigitNumbersShapedLikeIdentitiesAreMasked() {
        #expect(PersonalDataMasking.mask("19811218-9876") == "19811218-****")
        #expect(PersonalDataMasking.mask("id=8112189876;") == "id=811218****;")
        #expect(
            PersonalDataMasking.mask("a 19811218-98760 b") == "a 19811218-98760 b",
            "five digits after the separator"
        )
        #expect(PersonalDataMasking.mask("1234567890123") == "1234567890123", "thirteen digits")
        #expect(PersonalDataMasking.mask("991312-1234") == "991312-1234", "month 13 and no organisationsnummer shape")
        #expect(PersonalDataMasking.mask("0155667788") == "0155667788", "no month and no legal-form group 0")
        #expect(PersonalDataMasking.mask("amount 1006000 öre") == "amount 1006000 öre")
        #expect(PersonalDataMasking.mask("") == "")
        // Beside letters outside ASCII; and ten digits in the bytes that are nine digit characters (a combining accent
        // makes the last one another character), which the characters decide.
        #expect(PersonalDataMasking.mask("öre:8112189876 å") == "öre:811218**** å")
        #expect(PersonalDataMasking.mask("8112189876\u{301}") == "8112189876\u{301}")
        #expect(PersonalDataMasking.mask("81121898761\u{301}") == "811218****1\u{301}")
    }
}
