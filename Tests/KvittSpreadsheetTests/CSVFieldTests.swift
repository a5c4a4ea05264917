import KvittSpreadsheet
import Testing

@Suite("CSV fields cannot start a formula")
struct CSVFieldTests {
    @Test(arguments: [
        #"=HYPERLINK("http://x","y")"#, "+46701234567", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "=", "-",
    ])
    func aFieldBeginningWithAFormulaTriggerGetsAQuote(text: String) {
        #expect(CSVField.neutralised(text) == "'" + text)
    }

    @Test(arguments: ["Anna Andersson", "", "1-2", "a=b", "'already quoted", "Kalles Plåt AB", "\n=1", " =1"])
    func otherTextIsUnchanged(text: String) {
        // OWASP's rule is about the very first character only; everything else is data and stays as it is.
        #expect(CSVField.neutralised(text) == text)
    }

    @Test func encodingNeutralisesThenQuotesWhereNeeded() {
        #expect(CSVField.encoded("Anna", separator: ";") == "Anna")
        #expect(CSVField.encoded("=1+1", separator: ";") == "'=1+1")
        #expect(CSVField.encoded("a;=1+1", separator: ";") == "\"a;=1+1\"")
        #expect(CSVField.encoded("=1;2", separator: ";") == "\"'=1;2\"")
        #expect(CSVField.encoded(#"say "hi""#) == #""say ""hi""""#)
        #expect(CSVField.encoded("two\r\nlines") == "\"two\r\nlines\"")
        #expect(CSVField.encoded("a,b") == "\"a,b\"")
        #expect(CSVField.encoded("a,b", separator: ";") == "a,b")
    }
}
