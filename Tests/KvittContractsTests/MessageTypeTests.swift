import KvittContracts
import Testing

@Suite("Wire names and envelopes")
struct MessageTypeTests {
    @Test(arguments: ["invoicing.invoice-issued.v1", "payment-matching.payment-unmatched.v12", "a.b.v1"])
    func wellFormedWireNames(name: String) throws {
        let type = try #require(MessageType(wireName: name))
        #expect(type.rawValue == name)
    }

    @Test(arguments: [
        "invoicing.invoice-issued", "Invoicing.invoice-issued.v1", "invoicing.invoice_issued.v1", "invoicing..v1",
        "invoicing.invoice-issued.v0", "invoicing.invoice-issued.v01", "x.y.z.v1", "", "invoicing.-x.v1",
    ])
    func malformedWireNames(name: String) {
        #expect(MessageType(wireName: name) == nil)
    }

    @Test func ownerAndVersion() {
        let type: MessageType = "payment-matching.invoice-paid.v3"
        #expect(type.owner == "payment-matching")
        #expect(type.version == 3)
    }

    @Test func causedEnvelopeKeepsTheFlow() {
        let command = MessageEnvelope(messageID: "cmd-1", type: "invoicing.create-invoice.v1", correlationID: nil)
        let event = command.caused(type: "invoicing.invoice-created.v1", appID: "invoicing", at: command.timestamp)
        #expect(event.causationID == "cmd-1")
        #expect(event.correlationID == "cmd-1", "a flow without a correlation id starts at its first message")
        #expect(event.messageID != command.messageID)
        let next = event.caused(
            type: "tax-reduction.reduction-allocated.v1",
            appID: "tax-reduction",
            at: event.timestamp
        )
        #expect(next.correlationID == "cmd-1")
        #expect(next.causationID == event.messageID)
    }
}

@Suite("The message catalogue")
struct MessageCatalogueTests {
    @Test func everyWireNameIsUniqueAndFindable() {
        let names = MessageCatalogue.all.map { $0.messageType.rawValue }
        #expect(Set(names).count == names.count)
        for name in names { #expect(MessageCatalogue.type(named: name) != nil) }
        #expect(MessageCatalogue.type(named: "nobody.nothing.v1") == nil)
    }

    @Test func validationNamesTheField() throws {
        #expect(throws: DecodingError.self) {
            try MessageCatalogue.validate(Array(#"{"invoiceID": 7}"#.utf8), as: "invoicing.attest-invoice.v1")
        }
        try MessageCatalogue.validate(Array(#"{"invoiceID": "x"}"#.utf8), as: "invoicing.attest-invoice.v1")
    }
}
