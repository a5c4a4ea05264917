import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Invoicing

/// 120 units at 80 kr + 25 % VAT: 12 000 kr, the invoice of issue #16's example.
private let twelveThousandKronor = InvoicingHarness.invoice(
    externalID: "order-12000",
    lines: [.init(description: "Arbete", quantity: DecimalQuantity("120")!, unit: "h", unitPrice: 8_000, vatRate: 25)]
)

private func sek(_ kronor: Int64) -> Money { Money(minorUnits: kronor * 100, .sek) }

/// Credits by total amount, through the real broker: the issue's example credited to exactly zero.
@Suite("Credits by amount through the real broker")
struct CreditByAmountBrokerTests {
    let logger = TestBroker.logger("invoicing-credits")

    @Test func aTwelveThousandKronorInvoiceIsCreditedByAmountsToExactlyZero() async throws {
        let service = try await InProcessService.start(InvoicingService.definition, logger: logger)
        let recorder = try await EventRecorder(exchange: service.exchange, patterns: ["invoicing.#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: logger)

        try await publisher.publish(service.message(InvoicingHarness.creditor()))
        #expect(await recorder.wait(for: CreditorRegistered.self) != nil)
        try await publisher.publish(service.message(twelveThousandKronor))
        let original = try #require(await recorder.wait(for: InvoiceCreated.self))
        #expect(original.totals.total == sek(12_000))
        try await publisher.publish(service.message(AttestInvoice(invoiceID: original.invoiceID)))
        #expect(await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == original.invoiceID } != nil)

        /// Creates and attests one credit; returns its total and what it lowered the original by.
        func credit(_ externalID: String, amount: Money?) async throws -> (total: Money, credited: Money) {
            let commandID = UUID().uuidString
            try await publisher.publish(
                service.message(
                    CreateCreditInvoice(originalInvoiceID: original.invoiceID, externalID: externalID, amount: amount),
                    id: commandID
                )
            )
            let draft = try #require(
                await recorder.wait(for: InvoiceCreated.self) { $0.externalID == externalID },
                "\(externalID): \(recorder.messages(InvoicingCommandRejected.self).map(\.rejection.errors))"
            )
            try await publisher.publish(service.message(AttestInvoice(invoiceID: draft.invoiceID)))
            let credited = try #require(
                await recorder.wait(for: InvoiceCredited.self) { $0.creditInvoiceID == draft.invoiceID }
            )
            return (draft.totals.total, credited.amount)
        }

        for (externalID, kronor) in [("k-1", Int64(3_563)), ("k-2", 63), ("k-3", 63)] {
            let done = try await credit(externalID, amount: sek(kronor))
            #expect(done.total == sek(-kronor), "\(externalID)")
            #expect(done.credited == sek(kronor), "\(externalID)")
        }
        // The rest: 12 000 − 3 563 − 63 − 63 = 8 311 kr, accepted, and the original is at exactly zero.
        let rest = try await credit("k-4", amount: nil)
        #expect(rest.total == sek(-8_311))
        #expect(recorder.messages(InvoicingCommandRejected.self).isEmpty)
        let record = try #require(
            try await service.store.writer.read { try InvoiceRecord.find(original.invoiceID, $0) }
        )
        #expect(record.balance == 0)
        #expect(record.status == .closed)
        #expect(record.credited == 1_200_000)

        await publisher.stop()
        await recorder.stop()
        try await service.stop()
    }
}

/// Credits by amount and cumulative rounding, through invoicing's real handlers.
@Suite("Credits by amount and cumulative rounding")
struct CreditByAmountTests {
    private func issue(_ command: CreateInvoice, _ harness: InvoicingHarness) async throws -> InvoiceCreated {
        try await harness.send(InvoicingHarness.creditor())
        let created = try #require(try await harness.send(command).first(InvoiceCreated.self))
        try await harness.send(AttestInvoice(invoiceID: created.invoiceID))
        return created
    }

    /// Creates and attests a credit; returns the draft, or the rejection's fields.
    private func credit(
        _ harness: InvoicingHarness,
        _ command: CreateCreditInvoice
    ) async throws -> (draft: InvoiceCreated?, credited: InvoiceCredited?, rejected: [FieldError]) {
        let published = try await harness.send(command)
        guard let draft = try published.first(InvoiceCreated.self) else {
            return (nil, nil, published.rejection?.errors ?? [])
        }
        let attested = try await harness.send(AttestInvoice(invoiceID: draft.invoiceID))
        return (draft, try attested.first(InvoiceCredited.self), [])
    }

    /// The issue's reproduction: by quantity, each credit rounded on its own left 8 313 kr against 8 311 kr.
    @Test func creditsByQuantityRoundTheCumulativeTotalSoTheRestFits() async throws {
        let harness = try InvoicingHarness()
        let original = try await issue(twelveThousandKronor, harness)
        var totals: [Money] = []
        for (index, quantity) in ["35.625", "0.625", "0.625"].enumerated() {
            let done = try await credit(
                harness,
                CreateCreditInvoice(
                    originalInvoiceID: original.invoiceID,
                    externalID: "q-\(index)",
                    lines: [.init(lineIndex: 0, quantity: DecimalQuantity(quantity)!)]
                )
            )
            totals.append(try #require(done.draft?.totals.total, "\(done.rejected)"))
        }
        // 3 562.50 → 3 563; 3 625.00 in all → 62; 3 687.50 in all → 3 688, so 63.
        #expect(totals == [sek(-3_563), sek(-62), sek(-63)])
        let rest = try await credit(
            harness,
            CreateCreditInvoice(originalInvoiceID: original.invoiceID, externalID: "q-rest")
        )
        #expect(rest.rejected.isEmpty)
        #expect(rest.draft?.totals.total == sek(-8_312))
        #expect(rest.draft?.lines.map(\.line.quantity) == [DecimalQuantity("-83.125")!])
        let record = try #require(try await harness.record(original.invoiceID))
        #expect(record.balance == 0 && record.status == .closed)
    }

    @Test func linesCreditedByAmountCarryTheirVATAndEndAtTheOriginal() async throws {
        let harness = try InvoicingHarness()
        // 4 000 kr at 25 % (5 000 kr) and 6 250 kr at 12 % (7 000 kr): 12 000 kr.
        let original = try await issue(
            InvoicingHarness.invoice(
                externalID: "two-rates",
                lines: [
                    .init(description: "Tjänst", quantity: DecimalQuantity("1")!, unitPrice: 400_000, vatRate: 25),
                    .init(description: "Logi", quantity: DecimalQuantity("1")!, unitPrice: 625_000, vatRate: 12),
                ]
            ),
            harness
        )
        let byLine = try await credit(
            harness,
            CreateCreditInvoice(
                originalInvoiceID: original.invoiceID,
                externalID: "a-1",
                lines: [
                    .init(lineIndex: 0, amount: Money(minorUnits: 33_333, .sek)),
                    .init(lineIndex: 1, amount: Money(minorUnits: 100_001, .sek)),
                ]
            )
        )
        let draft = try #require(byLine.draft, "\(byLine.rejected)")
        #expect(draft.lines.map(\.net) == [Money(minorUnits: -33_333, .sek), Money(minorUnits: -100_001, .sek)])
        #expect(draft.totals.vat.map(\.amount) == [Money(minorUnits: -8_333, .sek), Money(minorUnits: -12_000, .sek)])
        // 333.33 + 83.33 + 1 000.01 + 120.00 = 1 536.67 → 1 537 kr.
        #expect(draft.totals.total == sek(-1_537))
        #expect(draft.totals.rounding == Money(minorUnits: -33, .sek))

        // A total amount spread over both lines comes to exactly that amount.
        let byTotal = try await credit(
            harness,
            CreateCreditInvoice(originalInvoiceID: original.invoiceID, externalID: "a-2", amount: sek(1_001))
        )
        #expect(byTotal.draft?.totals.total == sek(-1_001), "\(byTotal.rejected)")
        #expect(byTotal.draft?.lines.count == 2)

        // A quantity after an amount on the same line: only what is left of its net counts.
        let tooMuch = try await credit(
            harness,
            CreateCreditInvoice(
                originalInvoiceID: original.invoiceID,
                externalID: "a-3",
                lines: [.init(lineIndex: 0, quantity: DecimalQuantity("1")!)]
            )
        )
        #expect(tooMuch.rejected.map(\.field) == ["lines[0].quantity"])

        let rest = try await credit(
            harness,
            CreateCreditInvoice(originalInvoiceID: original.invoiceID, externalID: "a-4")
        )
        #expect(rest.draft?.totals.total == sek(-(12_000 - 1_537 - 1_001)), "\(rest.rejected)")
        let record = try #require(try await harness.record(original.invoiceID))
        #expect(record.balance == 0 && record.status == .closed)
        // Every line and rate ends at exactly the original's.
        let history = try await harness.store.writer.read { try CreditInvoiceRules.history(of: original.invoiceID, $0) }
        #expect(history.bases == [25: 400_000, 12: 625_000])
        #expect(history.vat == [25: 100_000, 12: 75_000])
        #expect(history.total == 1_200_000)
        // Nothing is left to credit.
        let nothing = try await credit(
            harness,
            CreateCreditInvoice(originalInvoiceID: original.invoiceID, externalID: "a-5", amount: sek(1))
        )
        #expect(nothing.rejected.map(\.field) == ["amount"])
    }

    @Test func badAmountsAreFieldErrorsNeverTraps() async throws {
        let harness = try InvoicingHarness()
        let original = try await issue(twelveThousandKronor, harness)
        let id = original.invoiceID
        let cases: [(CreateCreditInvoice, [String])] = [
            (CreateCreditInvoice(originalInvoiceID: id, externalID: "b-1", amount: sek(0)), ["amount"]),
            (CreateCreditInvoice(originalInvoiceID: id, externalID: "b-2", amount: sek(-5)), ["amount"]),
            (CreateCreditInvoice(originalInvoiceID: id, externalID: "b-3", amount: sek(12_001)), ["amount"]),
            (
                CreateCreditInvoice(originalInvoiceID: id, externalID: "b-4", amount: Money(minorUnits: .max, .sek)),
                ["amount"]
            ),
            (
                CreateCreditInvoice(originalInvoiceID: id, externalID: "b-5", amount: Money(minorUnits: 100, .eur)),
                ["amount.currency"]
            ),
            (
                CreateCreditInvoice(
                    originalInvoiceID: id,
                    externalID: "b-6",
                    lines: [.init(lineIndex: 0)],
                    amount: sek(10)
                ),
                ["amount"]
            ),
            (
                CreateCreditInvoice(
                    originalInvoiceID: id,
                    externalID: "b-7",
                    lines: [
                        .init(lineIndex: 0, quantity: DecimalQuantity("1")!, amount: sek(1)),
                        .init(lineIndex: 0, amount: Money(minorUnits: .min, .sek)),
                        .init(lineIndex: 0, amount: Money(minorUnits: .max, .sek)),
                        .init(lineIndex: 0, amount: Money(minorUnits: 960_001, .sek)),
                        .init(lineIndex: 0, amount: Money(minorUnits: 5, Currency(code: "NOK")!)),
                    ]
                ),
                ["lines[0]", "lines[1].amount", "lines[2].amount", "lines[3].amount", "lines[4].amount.currency"]
            ),
        ]
        for (command, fields) in cases {
            #expect(try await harness.send(command).rejectedFields == fields, "\(command.externalID)")
        }
        // The whole line's net by amount is fine, and then nothing remains of it.
        let whole = try await credit(
            harness,
            CreateCreditInvoice(
                originalInvoiceID: id,
                externalID: "b-8",
                lines: [.init(lineIndex: 0, amount: Money(minorUnits: 960_000, .sek))]
            )
        )
        #expect(whole.draft?.totals.total == sek(-12_000), "\(whole.rejected)")
        #expect(
            try await harness.send(
                CreateCreditInvoice(originalInvoiceID: id, externalID: "b-9", lines: [.init(lineIndex: 0)])
            ).rejectedFields == ["lines[0]"]
        )
    }

    /// A credit by amount of a ROT invoice takes back the reduction in proportion to the labour it credits, as a
    /// credit by quantity does, and crediting the rest takes back all of it.
    @Test func aROTInvoiceCreditedByAmountTakesBackItsReductionToZero() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        // Labour 20 h × 500 kr + VAT = 12 500 kr, timber 8 000 kr + VAT = 10 000 kr; ROT 3 750 kr.
        let created = try await harness.issuedROTInvoice(materialPrice: 800_000)
        // 1 250 kr of the labour's net: 1 562.50 kr with VAT; 30 % of the 10 937.50 kr left is 3 281.25 kr, rounded
        // down to 3 281 kr, so 469 kr of the reduction goes back.
        let labour = try await credit(
            harness,
            CreateCreditInvoice(
                originalInvoiceID: created.invoiceID,
                externalID: "r-1",
                lines: [.init(lineIndex: 0, amount: sek(1_250))]
            )
        )
        #expect(labour.credited?.labourCredited == Money(minorUnits: 156_250, .sek), "\(labour.rejected)")
        #expect(labour.credited?.taxReductionCredited == sek(469))
        // 1 562.50 kr rounds to 1 563 kr; the buyer's amount due falls by that less the 469 kr taken back.
        #expect(labour.credited?.amount == sek(1_563 - 469))

        // A total amount of 4 500 kr is spread over labour and timber alike.
        let spread = try await credit(
            harness,
            CreateCreditInvoice(originalInvoiceID: created.invoiceID, externalID: "r-2", amount: sek(4_500))
        )
        #expect(spread.draft?.totals.total == sek(-4_500), "\(spread.rejected)")
        #expect(spread.draft?.lines.count == 2)
        let takenBack = try #require(spread.credited?.taxReductionCredited)
        #expect(takenBack.amount > 0)

        let rest = try await credit(
            harness,
            CreateCreditInvoice(originalInvoiceID: created.invoiceID, externalID: "r-3")
        )
        #expect(rest.credited?.taxReductionStanding?.map(\.reduction) == [sek(0)], "\(rest.rejected)")
        #expect(rest.credited?.taxReductionStanding?.map(\.labour) == [sek(0)])
        let allTakenBack = [labour.credited, spread.credited, rest.credited].compactMap {
            $0?.taxReductionCredited?.amount
        }
        #expect(allTakenBack.reduce(0, +) == 375_000)
        let record = try #require(try await harness.record(created.invoiceID))
        #expect(record.balance == 0 && record.status == .closed)
    }
}
