import Foundation
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Invoicing

/// ROT/RUT work periods and cost kinds, and the debtor's postal address, checked when an invoice is created; the
/// address by the same rules when the debtor's contact changes.
@Suite("Work periods, cost kinds and addresses at invoice creation")
struct InvoiceFieldRulesTests {
    static func rotInvoice(
        workPeriod: CreateInvoice.WorkPeriod?,
        labourCostKind: CreateInvoice.CostKind? = nil,
        externalID: String = "rot"
    ) -> CreateInvoice {
        var command = InvoicingHarness.rotInvoice(buyers: ["19811218-9876"], materialPrice: 100_000)
        command.externalID = externalID
        command.taxReduction?.workPeriod = workPeriod
        command.lines[0].costKind = labourCostKind
        return command
    }

    static func period(_ from: String, _ through: String) -> CreateInvoice.WorkPeriod {
        .init(from: CalendarDate(from)!, through: CalendarDate(through)!)
    }

    @Test func workPeriodsThatCannotBeTrueAreRefused() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        // The invoice is dated 2026-03-02.
        let cases: [(CreateInvoice.WorkPeriod, [String])] = [
            (Self.period("2026-02-20", "2026-02-10"), ["taxReduction.workPeriod.through"]),
            (Self.period("1900-01-01", "2026-02-10"), ["taxReduction.workPeriod.from"]),
            (Self.period("2008-12-07", "2008-12-09"), ["taxReduction.workPeriod.from"]),
            (Self.period("2026-02-01", "2199-12-31"), ["taxReduction.workPeriod.through"]),
            (
                Self.period("2000-01-01", "1990-01-01"),
                ["taxReduction.workPeriod.through", "taxReduction.workPeriod.from"]
            ),
        ]
        for (index, (period, fields)) in cases.enumerated() {
            let sent = try await harness.send(Self.rotInvoice(workPeriod: period, externalID: "bad-\(index)"))
            #expect(sent.rejectedFields == fields, "\(period)")
            #expect(try sent.first(InvoiceCreated.self) == nil)
        }
        // A period before the invoice, one of a day, and one after it (invoiced ahead of the work) are all fine.
        for (index, period) in [
            Self.period("2026-02-01", "2026-02-27"), Self.period("2008-12-08", "2008-12-08"),
            Self.period("2026-05-12", "2026-05-16"),
        ].enumerated() {
            let sent = try await harness.send(Self.rotInvoice(workPeriod: period, externalID: "good-\(index)"))
            #expect(try sent.first(InvoiceCreated.self) != nil, "\(period): \(sent.rejectedFields)")
        }
    }

    @Test func aCostKindOnALabourLineIsRefused() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let labour = try await harness.send(Self.rotInvoice(workPeriod: nil, labourCostKind: .other))
        #expect(labour.rejectedFields == ["lines[0].costKind"])
        var material = Self.rotInvoice(workPeriod: nil, externalID: "material")
        material.lines[1].costKind = .other
        #expect(try await harness.send(material).first(InvoiceCreated.self) != nil)
    }

    /// Another client's raw JSON with a cost kind Kvitt does not know: the body cannot be decoded, so the command is
    /// dead-lettered with the field named, never half-read.
    @Test func anUnknownCostKindIsADeadLetterNamingTheField() async throws {
        let harness = try InvoicingHarness()
        let command = Self.rotInvoice(workPeriod: nil)
        var json = try #require(
            try JSONSerialization.jsonObject(with: Data(MessageCoding.encode(command))) as? [String: Any]
        )
        var lines = try #require(json["lines"] as? [[String: Any]])
        lines[1]["costKind"] = "travel"
        json["lines"] = lines
        let body = [UInt8](try JSONSerialization.data(withJSONObject: json))
        var incoming = try InMemoryBus.incoming(command)
        incoming.body = body
        let outcome = await harness.harness.processor.process([incoming])[0]
        guard case .deadLetter(let reason, let detail) = outcome else {
            Issue.record("expected a dead letter, got \(outcome)")
            return
        }
        #expect(reason == .undecodableBody)
        #expect(detail.contains("lines[1].costKind"), "\(detail)")
    }

    @Test func externalIDsAreOneShortLine() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let long = String(repeating: "x", count: 256)
        #expect(try await harness.send(InvoicingHarness.invoice(externalID: long)).rejectedFields == ["externalID"])
        #expect(
            try await harness.send(InvoicingHarness.invoice(externalID: "a\u{0}b")).rejectedFields == ["externalID"]
        )
        let created = try #require(try await harness.send(InvoicingHarness.invoice()).first(InvoiceCreated.self))
        try await harness.send(AttestInvoice(invoiceID: created.invoiceID))
        let huge = String(repeating: "k", count: 1_000_000)
        for externalID in [huge, "", " "] {
            let credit = try await harness.send(
                CreateCreditInvoice(
                    originalInvoiceID: created.invoiceID,
                    externalID: externalID,
                    amount: Money(minorUnits: 10_000, .sek)
                )
            )
            #expect(credit.rejectedFields == ["externalID"])
        }
    }

    static let badAddresses: [(Debtor.Address, String)] = [
        (.init(street: " ", postalCode: "111 22", city: "Stockholm"), "address.street"),
        (.init(street: "Storgatan 1", postalCode: "111 22", city: ""), "address.city"),
        (.init(street: "Storgatan 1", postalCode: "1112", city: "Stockholm"), "address.postalCode"),
        (.init(street: "Storgatan 1", postalCode: "11 122", city: "Stockholm"), "address.postalCode"),
        (.init(street: "Storgatan 1", postalCode: "١١١٢٢", city: "Stockholm"), "address.postalCode"),
        (.init(street: "Storgatan 1\nTill: någon annan", postalCode: "111 22", city: "Stockholm"), "address.street"),
        (.init(street: String(repeating: "x", count: 101), postalCode: "111 22", city: "Stockholm"), "address.street"),
        (.init(street: "Storgatan 1", postalCode: "111 22", city: String(repeating: "å", count: 101)), "address.city"),
    ]

    @Test func createInvoiceAndChangeDebtorContactRefuseTheSameAddresses() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let created = try #require(try await harness.send(InvoicingHarness.invoice()).first(InvoiceCreated.self))
        for (index, (address, field)) in Self.badAddresses.enumerated() {
            var debtor = InvoicingHarness.domesticDebtor
            debtor.address = address
            let create = try await harness.send(InvoicingHarness.invoice(externalID: "addr-\(index)", debtor: debtor))
            #expect(create.rejectedFields == ["debtor.\(field)"], "\(address)")
            let change = try await harness.send(ChangeDebtorContact(invoiceID: created.invoiceID, address: address))
            #expect(change.rejectedFields == [field], "\(address)")
        }
        // A foreign debtor: a postal code of its own country's form, or none; never without an address.
        let foreignInvoice = InvoicingHarness.invoice(
            externalID: "foreign",
            debtor: InvoicingHarness.foreignDebtor,
            currency: "EUR"
        )
        let foreignCreated = try #require(try await harness.send(foreignInvoice).first(InvoiceCreated.self))
        for code in ["SW1A 1AA", "12345-6789", ""] {
            let change = try await harness.send(
                ChangeDebtorContact(
                    invoiceID: foreignCreated.invoiceID,
                    address: .init(street: "1 Main St", postalCode: code, city: "Town")
                )
            )
            #expect(change.rejectedFields.isEmpty, "\(code)")
        }
        for code in ["12345-67890", "<script>"] {
            let change = try await harness.send(
                ChangeDebtorContact(
                    invoiceID: foreignCreated.invoiceID,
                    address: .init(street: "1 Main St", postalCode: code, city: "Town")
                )
            )
            #expect(change.rejectedFields == ["address.postalCode"], "\(code)")
        }
        let none = try await harness.send(ChangeDebtorContact(invoiceID: foreignCreated.invoiceID))
        #expect(none.rejectedFields == ["address"])
        // And a good Swedish address is taken by both.
        let good = Debtor.Address(street: "Drottninggatan 5", postalCode: "41101", city: "Göteborg")
        #expect(
            try await harness.send(ChangeDebtorContact(invoiceID: created.invoiceID, address: good)).types == [
                DebtorContactChanged.messageType.rawValue
            ]
        )
    }

    /// E-mail preferred with an address delivery cannot send to is refused by both commands, naming the channel;
    /// create-invoice still takes such an address when no channel asks for it (it never checked its form).
    @Test func emailPreferredNeedsAUsableAddressOnBothCommands() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        var debtor = InvoicingHarness.domesticDebtor
        debtor.email = "anna at example.se"
        debtor.preferredChannel = .email
        let preferred = try await harness.send(InvoicingHarness.invoice(externalID: "mail-preferred", debtor: debtor))
        #expect(preferred.rejectedFields == ["debtor.preferredChannel"])
        debtor.preferredChannel = nil
        let created = try #require(
            try await harness.send(InvoicingHarness.invoice(externalID: "mail-only", debtor: debtor))
                .first(InvoiceCreated.self)
        )
        let change = try await harness.send(
            ChangeDebtorContact(invoiceID: created.invoiceID, email: "anna at example.se", preferredChannel: .email)
        )
        #expect(change.rejectedFields == ["email", "preferredChannel"])
        let usable = try await harness.send(
            ChangeDebtorContact(invoiceID: created.invoiceID, email: "anna@example.se", preferredChannel: .email)
        )
        #expect(usable.types == [DebtorContactChanged.messageType.rawValue])
    }
}
