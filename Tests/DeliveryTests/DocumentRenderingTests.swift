import Foundation
import KvittContracts
import Testing

@testable import Delivery

/// The templates without broker or browser: every kind renders, values are escaped, and a collection letter that
/// would give less than eight days to pay is refused.
struct DocumentRenderingTests {
    static func letter(_ kind: DocumentKind, payBy: CalendarDate? = CalendarDate(year: 2027, month: 2, day: 8))
        -> LetterData
    {
        let fixture = InvoiceFixture()
        var letter = LetterData(issued: fixture.issued, creditor: fixture.creditor)
        letter.kind = kind
        letter.lines = fixture.created.lines
        letter.totals = fixture.created.totals
        if kind != .invoice && kind != .creditInvoice {
            letter.documentDate = CalendarDate(year: 2027, month: 1, day: 25)!
            letter.payBy = payBy
            letter.fees = [.init(kind: "collection-letter", amount: .sek(18_000), legalBasis: "lag (1981:739) 3 § 1")]
            letter.interest = .sek(12_345)
            letter.outstanding = .sek(1_280_345)
            letter.detail = #"{"grounds": "<unpaid>"}"#
        }
        return letter
    }

    @Test(arguments: DocumentKind.allCases)
    func everyKindRendersAsAWholePage(_ kind: DocumentKind) throws {
        let html = try DocumentRenderer(collector: DeliveryHarness.collector).html(Self.letter(kind))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>"))
        #expect(html.contains("Bygg &amp; Son AB"), "the creditor's name, escaped")
        #expect(!html.contains("{{"), "no template tag left over")
    }

    @Test func valuesFromEventsAreEscaped() throws {
        let html = try DocumentRenderer(collector: DeliveryHarness.collector).html(Self.letter(.invoice))
        #expect(html.contains("Takläggning &lt;b&gt;Tak &amp; Co&lt;/b&gt;"))
        #expect(!html.contains("<b>Tak"))
    }

    @Test func anEnglishDebtorGetsAnEnglishInvoice() throws {
        var letter = Self.letter(.invoice)
        letter.debtor.country = "DE"
        letter.language = DocumentLanguage(for: letter.debtor)
        let html = try DocumentRenderer(collector: DeliveryHarness.collector).html(letter)
        #expect(html.contains("Invoice"))
        #expect(html.contains("SEK\u{00A0}12,500.00"))
        #expect(html.contains("lang=\"en\""))
    }

    @Test func aCollectionLetterWithLessThanEightDaysToPayIsRefused() throws {
        let renderer = DocumentRenderer(collector: DeliveryHarness.collector)
        let sentOn = CalendarDate(year: 2027, month: 1, day: 25)!
        #expect(throws: LetterError.deadlineTooShort(payBy: sentOn.adding(days: 7), sentOn: sentOn)) {
            try renderer.html(Self.letter(.collectionLetter, payBy: sentOn.adding(days: 7)))
        }
        #expect(throws: LetterError.deadlineTooShort(payBy: nil, sentOn: sentOn)) {
            try renderer.html(Self.letter(.collectionLetter, payBy: nil))
        }
        _ = try renderer.html(Self.letter(.collectionLetter, payBy: sentOn.adding(days: 8)))
    }

    @Test func theClaimAddsUpToWhatDebtCollectionSaysIsOwed() throws {
        // 12 500 + 180 + 123,45 = 12 803,45 charged; 12 803,45 outstanding: nothing settled.
        let view = try DocumentView.make(Self.letter(.collectionLetter), collector: DeliveryHarness.collector)
        #expect(view["amountToPay"] as? String == "12\u{00A0}803,45\u{00A0}kr")
        #expect(view["settled"] == nil)
    }

    @Test func headersWithSwedishLettersAreEncodedWords() {
        #expect(MailHeader.unstructured("Subject", "Faktura 7001") == "Subject: Faktura 7001")
        let swedish = MailHeader.unstructured("Subject", "Påminnelse 7001 – Bygg")
        #expect(swedish.hasPrefix("Subject: =?UTF-8?B?"))
        #expect(MIMEHeader.decoded(String(swedish.dropFirst("Subject: ".count))) == "Påminnelse 7001 – Bygg")
    }

    @Test func onlyCollectionLettersNameTheCollector() throws {
        let renderer = DocumentRenderer(collector: DeliveryHarness.collector)
        #expect(!(try renderer.html(Self.letter(.invoice))).contains("Kvitt Inkasso AB"))
        #expect(try renderer.html(Self.letter(.collectionLetter)).contains("Kvitt Inkasso AB"))
    }

    @Test func dotsAtTheStartOfALineAreDoubled() {
        #expect(SMTPMessage.dotStuffed(Array(".a\r\nb\r\n.\r\n".utf8)) == Array("..a\r\nb\r\n..\r\n".utf8))
    }

    @Test func onlyPlainAddressesAreUsedForMail() {
        #expect(EmailAddress.isUsable("anna@example.se"))
        #expect(!EmailAddress.isUsable("anna@example.se>\r\nRCPT TO:<x@y.z"))
        #expect(!EmailAddress.isUsable("anna example@se"))
        #expect(!EmailAddress.isUsable("no-at-sign.se"))
    }
}
