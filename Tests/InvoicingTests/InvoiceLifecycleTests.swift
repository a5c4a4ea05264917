import Foundation
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Invoicing

@Suite("Invoice life cycle through invoicing's handlers (in memory)")
struct InvoiceLifecycleTests {
    @Test func registerCreateAttestIssuesWithNumberOCRAndBankgiro() async throws {
        let harness = try InvoicingHarness()
        let registered = try await harness.send(InvoicingHarness.creditor())
        #expect(try registered.first(CreditorRegistered.self)?.creditor.name == "Acme Bygg AB")

        let created = try #require(try await harness.send(InvoicingHarness.invoice()).first(InvoiceCreated.self))
        #expect(created.kind == "debit")
        #expect(created.dueDate == CalendarDate("2026-04-01"), "30 days of the creditor's terms")
        #expect(created.totals.total == Money(minorUnits: 1_187_500, .sek))

        let issued = try #require(
            try await harness.send(AttestInvoice(invoiceID: created.invoiceID)).first(InvoiceIssued.self)
        )
        #expect(issued.invoiceNumber == "1001")
        #expect(issued.ocr == "10017")
        #expect(issued.amountDue == Money(minorUnits: 1_187_500, .sek))
        #expect(
            issued.paymentMeans
                == .init(
                    kind: "bankgiro-ocr",
                    bankgiro: "5050-1055",
                    reference: "10017",
                    reconcilableFromBankgiro: true
                )
        )

        // The next invoice gets the next number.
        let second = try #require(
            try await harness.send(InvoicingHarness.invoice(externalID: "ext-2")).first(InvoiceCreated.self)
        )
        let secondIssued = try await harness.send(AttestInvoice(invoiceID: second.invoiceID)).first(InvoiceIssued.self)
        #expect(secondIssued?.invoiceNumber == "1002")

        // Attesting twice is refused.
        #expect(try await harness.send(AttestInvoice(invoiceID: created.invoiceID)).rejectedFields == ["invoiceID"])
    }

    @Test func sameExternalIDTwiceIsOneInvoice() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let first = try await harness.send(InvoicingHarness.invoice())
        let again = try await harness.send(InvoicingHarness.invoice())
        #expect(first.messages.count == 1)
        #expect(again.outcome == .processed)
        #expect(again.messages.isEmpty)
        let count = try await harness.store.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM invoice")
        }
        #expect(count == 1)
    }

    @Test func invalidCommandsAreRejectedWithEveryFieldError() async throws {
        let harness = try InvoicingHarness()
        let badCreditor = RegisterCreditor(
            creditorID: "bad",
            name: "",
            organisationNumber: "556677-8890",
            bankgiro: "5050-1056",
            foreignAccounts: [.init(currency: "EUR", iban: "SE45 5000 0000 0583 9825 7467", bic: "ESSE")],
            reminderFeeAgreed: false,
            paymentTermsDays: 30,
            ocrControl: .init(level: "strict"),
            invoiceNumberSeries: .init(start: 0)
        )
        let rejected = try await harness.send(badCreditor)
        #expect(
            Set(rejected.rejectedFields) == [
                "name", "organisationNumber", "bankgiro", "foreignAccounts[0].iban", "foreignAccounts[0].bic",
                "ocrControl",
                "invoiceNumberSeries.start",
            ]
        )
        #expect(try rejected.first(CreditorRegistered.self) == nil)

        try await harness.send(InvoicingHarness.creditor())
        var invoice = InvoicingHarness.invoice()
        invoice.debtor.identityNumber = "19811218-9877"
        invoice.currency = "XYZ"
        invoice.lines[0].vatRate = 20
        let invalid = try await harness.send(invoice)
        #expect(Set(invalid.rejectedFields) == ["debtor.identityNumber", "currency", "lines[0].vatRate"])
        let message = try #require(invalid.rejection?.errors.first { $0.field == "debtor.identityNumber" }?.message)
        #expect(!message.contains("9877"), "the personnummer is not echoed")
    }

    @Test func foreignDebtorPaysByIBANAndIsNotReconcilableFromBankgiro() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let created = try #require(
            try await harness.send(InvoicingHarness.invoice(debtor: InvoicingHarness.foreignDebtor, currency: "EUR"))
                .first(InvoiceCreated.self)
        )
        #expect(created.totals.rounding.isZero)
        let issued = try #require(
            try await harness.send(AttestInvoice(invoiceID: created.invoiceID)).first(InvoiceIssued.self)
        )
        #expect(issued.paymentMeans.kind == "iban")
        #expect(issued.paymentMeans.iban == "SE45 5000 0000 0583 9825 7466")
        #expect(issued.paymentMeans.bic == "ESSESESS")
        #expect(issued.paymentMeans.reconcilableFromBankgiro == false)
        // A currency without an account is refused at creation.
        let noAccount = try await harness.send(
            InvoicingHarness.invoice(externalID: "usd", debtor: InvoicingHarness.foreignDebtor, currency: "USD")
        )
        #expect(noAccount.rejectedFields == ["currency"])
    }

    @Test func variableLengthOCRCarriesALengthDigit() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor(level: "variable-length"))
        let created = try #require(try await harness.send(InvoicingHarness.invoice()).first(InvoiceCreated.self))
        let issued = try await harness.send(AttestInvoice(invoiceID: created.invoiceID)).first(InvoiceIssued.self)
        #expect(issued?.ocr == "100164")
    }

    @Test func sentInvoicesDueDateNeverChanges() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let created = try #require(try await harness.send(InvoicingHarness.invoice()).first(InvoiceCreated.self))
        let moved = try await harness.send(
            ChangeDueDate(invoiceID: created.invoiceID, dueDate: CalendarDate("2026-04-15")!)
        )
        #expect(moved.rejection == nil)
        #expect(try await harness.record(created.invoiceID)?.dueDate == "2026-04-15")
        try await harness.send(AttestInvoice(invoiceID: created.invoiceID))
        let refused = try await harness.send(
            ChangeDueDate(invoiceID: created.invoiceID, dueDate: CalendarDate("2026-05-01")!)
        )
        let message = try #require(refused.rejection?.errors.first?.message)
        #expect(message.contains("postpone the next automatic event"))
        #expect(try await harness.record(created.invoiceID)?.dueDate == "2026-04-15")
    }

    @Test func rotInvoiceWaitsForTheAllocationAndTheBuyerPaysTheRest() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let command = InvoicingHarness.rotInvoice(buyers: ["19811218-9876", "19800101-0019"], materialPrice: 800_000)
        let created = try #require(try await harness.send(command).first(InvoiceCreated.self))
        #expect(created.taxReduction?.labourCostIncludingVAT == Money(minorUnits: 1_250_000, .sek))
        #expect(try await harness.send(AttestInvoice(invoiceID: created.invoiceID)).rejectedFields == ["invoiceID"])

        let allocation = ReductionAllocated(
            invoiceID: created.invoiceID,
            kind: "rot",
            total: Money(minorUnits: 375_000, .sek),
            buyers: [
                .init(personnummer: "198112189876", amount: Money(minorUnits: 187_500, .sek), hours: 10),
                .init(personnummer: "198001010019", amount: Money(minorUnits: 187_500, .sek), hours: 10),
            ]
        )
        try await harness.send(allocation)
        let issued = try #require(
            try await harness.send(AttestInvoice(invoiceID: created.invoiceID)).first(InvoiceIssued.self)
        )
        #expect(issued.total == Money(minorUnits: 2_250_000, .sek))
        #expect(issued.taxReduction == Money(minorUnits: 375_000, .sek))
        #expect(issued.amountDue == Money(minorUnits: 1_875_000, .sek))
    }

    @Test func rejectedReductionBlocksTheInvoiceWithTheReason() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let command = InvoicingHarness.invoice(
            lines: [
                InvoicingHarness.labourLine(
                    "Städning",
                    "4",
                    unitPrice: 50_000,
                    kind: "rut",
                    workType: "Stadning",
                    hours: "4"
                )
            ],
            taxReduction: .init(buyers: ["19811218-9876"], hoursToReport: 4)
        )
        let created = try #require(try await harness.send(command).first(InvoiceCreated.self))
        try await harness.send(ReductionRejected(invoiceID: created.invoiceID, reason: "buyer under 18", errors: []))
        let refused = try await harness.send(AttestInvoice(invoiceID: created.invoiceID))
        #expect(refused.rejection?.errors.first?.message.contains("buyer under 18") == true)
    }

    @Test func rotWithoutPropertyIsRejected() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let command = InvoicingHarness.invoice(
            lines: [
                InvoicingHarness.labourLine("Snickeri", "1", unitPrice: 50_000, kind: "rot", workType: "Bygg")
            ],
            taxReduction: .init(buyers: ["19811218-9876"], hoursToReport: 1)
        )
        #expect(try await harness.send(command).rejectedFields == ["taxReduction.propertyDesignation"])
    }
}

@Suite("Credit invoices and applied credits")
struct CreditTests {
    func issuedInvoice(_ harness: InvoicingHarness, externalID: String = "ext-1", quantity: String = "10") async throws
        -> InvoiceCreated
    {
        let command = InvoicingHarness.invoice(
            externalID: externalID,
            lines: [
                .init(
                    description: "Konsulttimme",
                    quantity: DecimalQuantity(quantity)!,
                    unitPrice: 100_000,
                    vatRate: 25
                )
            ]
        )
        let created = try #require(try await harness.send(command).first(InvoiceCreated.self))
        try await harness.send(AttestInvoice(invoiceID: created.invoiceID))
        return created
    }

    @Test func partialCreditCountsOnlyWhenAttested() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let original = try await issuedInvoice(harness)  // 10 × 1 000 kr + VAT = 12 500 kr
        let draft = try #require(
            try await harness.send(
                CreateCreditInvoice(
                    originalInvoiceID: original.invoiceID,
                    externalID: "credit-1",
                    lines: [.init(lineIndex: 0, quantity: DecimalQuantity("4")!)]
                )
            ).first(InvoiceCreated.self)
        )
        #expect(draft.kind == "credit")
        #expect(draft.totals.total == Money(minorUnits: -500_000, .sek))
        #expect(try await harness.record(original.invoiceID)?.credited == 0)

        // Crediting more than remains (4 of the 10 units are in a pending credit) is refused.
        let tooMuch = try await harness.send(
            CreateCreditInvoice(
                originalInvoiceID: original.invoiceID,
                externalID: "credit-2",
                lines: [.init(lineIndex: 0, quantity: DecimalQuantity("7")!)]
            )
        )
        #expect(tooMuch.rejectedFields == ["lines[0].quantity"], "4 of the 10 are in a pending credit already")

        let attested = try await harness.send(AttestInvoice(invoiceID: draft.invoiceID))
        let credited = try #require(try attested.first(InvoiceCredited.self))
        #expect(credited.amount == Money(minorUnits: 500_000, .sek))
        #expect(try attested.first(InvoiceIssued.self)?.kind == "credit")
        let record = try #require(try await harness.record(original.invoiceID))
        #expect(record.balance == 750_000)

        // The rest can be credited, which closes the original.
        let rest = try #require(
            try await harness.send(
                CreateCreditInvoice(
                    originalInvoiceID: original.invoiceID,
                    externalID: "credit-3",
                    lines: [.init(lineIndex: 0, quantity: DecimalQuantity("6")!)]
                )
            ).first(InvoiceCreated.self)
        )
        try await harness.send(AttestInvoice(invoiceID: rest.invoiceID))
        #expect(try await harness.record(original.invoiceID)?.status == .closed)
    }

    @Test func creditingROTWorkTakesBackItsShareOfTheReduction() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        // Labour 20 h × 500 kr + VAT = 12 500 kr, timber 8 000 kr + VAT = 10 000 kr; ROT 3 750 kr.
        let created = try await harness.issuedROTInvoice(materialPrice: 800_000)
        func credit(_ externalID: String, line: Int, quantity: String) async throws -> ServiceHarness.Published {
            try await harness.send(
                CreateCreditInvoice(
                    originalInvoiceID: created.invoiceID,
                    externalID: externalID,
                    lines: [.init(lineIndex: line, quantity: DecimalQuantity(quantity)!)]
                )
            )
        }
        func attest(_ published: ServiceHarness.Published) async throws -> InvoiceCredited {
            let draft = try #require(try published.first(InvoiceCreated.self))
            return try #require(
                try await harness.send(AttestInvoice(invoiceID: draft.invoiceID)).first(InvoiceCredited.self)
            )
        }

        // 7 of the 20 hours: 4 375 kr of labour. What stands is 30 % of 8 125 kr, 2 437.50 kr, rounded down to whole
        // kronor; the credit takes back the other 1 313 kr and lowers what the buyer owes by 3 062 kr.
        let hours = try await attest(try await credit("c-1", line: 0, quantity: "7"))
        #expect(hours.amount == Money(minorUnits: 306_200, .sek))
        #expect(hours.taxReductionCredited == Money(minorUnits: 131_300, .sek))
        #expect(hours.labourCredited == Money(minorUnits: 437_500, .sek))
        // The timber carries no reduction.
        let timber = try await attest(try await credit("c-2", line: 1, quantity: "1"))
        #expect(timber.amount == Money(minorUnits: 1_000_000, .sek))
        #expect(timber.taxReductionCredited == nil && timber.labourCredited == nil)
        // 13 of the 20 hours are left to credit: 14 is too many.
        #expect(try await credit("c-3", line: 0, quantity: "14").rejectedFields == ["lines[0].quantity"])
        // The other 13 hours take back the rest of the reduction, and the invoice closes at zero.
        let rest = try await attest(try await credit("c-4", line: 0, quantity: "13"))
        #expect(rest.taxReductionCredited == Money(minorUnits: 243_700, .sek))
        #expect(rest.amount == Money(minorUnits: 568_800, .sek))
        let record = try #require(try await harness.record(created.invoiceID))
        #expect(record.balance == 0 && record.status == .closed)
    }

    @Test func aLineIsCreditedAtMostOnceInAll() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let created = try await harness.issuedROTInvoice(materialPrice: 800_000)  // 20 h labour, timber
        func credit(_ externalID: String, hours: String) async throws -> ServiceHarness.Published {
            try await harness.send(
                CreateCreditInvoice(
                    originalInvoiceID: created.invoiceID,
                    externalID: externalID,
                    lines: [.init(lineIndex: 0, quantity: DecimalQuantity(hours)!)]
                )
            )
        }
        #expect(try await credit("c-1", hours: "12").first(InvoiceCreated.self) != nil)
        // 8 hours remain: 9 is too many, though the timber leaves room in the total; 8 are fine.
        let tooMany = try await credit("c-2", hours: "9")
        #expect(tooMany.rejectedFields == ["lines[0].quantity"])
        #expect(tooMany.rejection(InvoicingCommandRejected.self)?.errors.first?.message.contains("at most 8") == true)
        #expect(try await credit("c-3", hours: "8").first(InvoiceCreated.self) != nil)
        #expect(try await credit("c-4", hours: "1").rejectedFields == ["lines[0].quantity"])
    }

    @Test func eachReductionAdjustmentIsDraftedOnceEvenTwoOnOneDay() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let created = try await harness.issuedROTInvoice(materialPrice: 800_000)
        // Two payments on one day of a year whose rate is lower: tax-reduction reports both under the year's claim.
        func adjustment(owed: Int64) -> ReductionAdjusted {
            ReductionAdjusted(
                claimID: "claim-2026",
                invoiceID: created.invoiceID,
                creditorID: "acme",
                buyer: "198112189876",
                paymentDate: CalendarDate(year: 2026, month: 1, day: 10)!,
                invoiced: Money(minorUnits: 150_000, .sek),
                allowed: Money(minorUnits: 90_000, .sek),
                owedByBuyer: Money(minorUnits: owed, .sek),
                buyerReduction: Money(minorUnits: 90_000, .sek),
                reason: "2026 allows 30 %"
            )
        }
        let first = try await harness.send(adjustment(owed: 60_000), id: "adjusted-1")
        let second = try await harness.send(adjustment(owed: 40_000), id: "adjusted-2")
        #expect(try first.first(InvoiceCreated.self)?.totals.total == Money(minorUnits: 60_000, .sek))
        #expect(try second.first(InvoiceCreated.self)?.totals.total == Money(minorUnits: 40_000, .sek))
        // The same event again: no second draft (what the harness lists under that id is the first one's only).
        let again = try await harness.send(adjustment(owed: 40_000), id: "adjusted-2")
        #expect(try again.all(InvoiceCreated.self).map(\.invoiceID) == second.all(InvoiceCreated.self).map(\.invoiceID))
        // The inbox stopped that one. Past its retention the handler itself must find the draft by its external id:
        // processed again, it publishes nothing new under that id.
        #expect(again.outcome == .duplicate)
        try await harness.store.writer.write { db in try db.execute(sql: "DELETE FROM kvitt_inbox") }
        let replayed = try await harness.send(adjustment(owed: 40_000), id: "adjusted-2")
        #expect(replayed.outcome == .processed)
        #expect(
            try replayed.all(InvoiceCreated.self).map(\.invoiceID) == second.all(InvoiceCreated.self).map(\.invoiceID)
        )
    }

    @Test func aCreditTakesBackNoMoreThanSkatteverketApproved() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let created = try await harness.issuedROTInvoice(materialPrice: 800_000)  // ROT 3 750 kr
        // Skatteverket approved 2 000 kr: the buyer is billed the refused 1 750 kr.
        let decided = try await harness.send(
            ClaimDecided(
                claimID: "claim-1",
                invoiceID: created.invoiceID,
                creditorID: "acme",
                buyer: "198112189876",
                requested: Money(minorUnits: 375_000, .sek),
                approved: Money(minorUnits: 200_000, .sek),
                owedByBuyer: Money(minorUnits: 175_000, .sek),
                referenceNumber: "20260000185-01"
            )
        )
        #expect(try decided.first(InvoiceCreated.self)?.totals.total == Money(minorUnits: 175_000, .sek))
        // All the labour credited: only the approved 2 000 kr stood, so that is what the credit takes back.
        let draft = try #require(
            try await harness.send(
                CreateCreditInvoice(
                    originalInvoiceID: created.invoiceID,
                    externalID: "c-all",
                    lines: [.init(lineIndex: 0)]
                )
            ).first(InvoiceCreated.self)
        )
        let credited = try #require(
            try await harness.send(AttestInvoice(invoiceID: draft.invoiceID)).first(InvoiceCredited.self)
        )
        #expect(credited.taxReductionCredited == Money(minorUnits: 200_000, .sek))
        #expect(credited.amount == Money(minorUnits: 1_050_000, .sek), "12 500 kr of labour less 2 000 kr")
        #expect(credited.taxReductionStanding?.map(\.reduction) == [.zero(.sek)])
    }

    @Test func anInvoiceAllocatedBeforeBuyersWereKeptIsCreditedFromItsRequest() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let created = try await harness.issuedROTInvoice(materialPrice: 800_000)
        try await harness.store.writer.write { db in
            try db.execute(
                sql: "UPDATE invoice SET reductionBuyers = NULL WHERE id = ?",
                arguments: [created.invoiceID]
            )
        }
        let draft = try #require(
            try await harness.send(
                CreateCreditInvoice(
                    originalInvoiceID: created.invoiceID,
                    externalID: "c-7",
                    lines: [.init(lineIndex: 0, quantity: DecimalQuantity("7")!)]
                )
            ).first(InvoiceCreated.self)
        )
        let credited = try #require(
            try await harness.send(AttestInvoice(invoiceID: draft.invoiceID)).first(InvoiceCredited.self)
        )
        #expect(credited.taxReductionCredited == Money(minorUnits: 131_300, .sek), "as when the buyers were kept")
        #expect(credited.taxReductionStanding?.map(\.personnummer) == ["198112189876"])
    }

    @Test func standaloneCreditIsAppliedWithinLimits() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let debit = try await issuedInvoice(harness, externalID: "debit", quantity: "2")  // 2 500 kr
        let creditCommand = InvoicingHarness.invoice(
            externalID: "standalone-credit",
            lines: [
                .init(description: "Återbetalning", quantity: DecimalQuantity("-3")!, unitPrice: 100_000, vatRate: 25)
            ]
        )
        let credit = try #require(try await harness.send(creditCommand).first(InvoiceCreated.self))
        #expect(credit.kind == "credit")
        try await harness.send(AttestInvoice(invoiceID: credit.invoiceID))  // −3 750 kr

        let tooMuch = try await harness.send(
            ApplyCredit(
                creditInvoiceID: credit.invoiceID,
                debitInvoiceID: debit.invoiceID,
                amount: Money(minorUnits: 300_000, .sek)
            )
        )
        #expect(tooMuch.rejection?.errors.first?.message.contains("left to pay") == true)

        let applied = try await harness.send(
            ApplyCredit(creditInvoiceID: credit.invoiceID, debitInvoiceID: debit.invoiceID)
        )
        #expect(try applied.first(CreditApplied.self)?.amount == Money(minorUnits: 250_000, .sek))
        #expect(try await harness.record(debit.invoiceID)?.status == .closed)
        #expect(try await harness.record(credit.invoiceID)?.balance == -125_000)

        let otherCurrency = try #require(
            try await harness.send(
                InvoicingHarness.invoice(externalID: "eur", debtor: InvoicingHarness.foreignDebtor, currency: "EUR")
            )
            .first(InvoiceCreated.self)
        )
        try await harness.send(AttestInvoice(invoiceID: otherCurrency.invoiceID))
        let mismatch = try await harness.send(
            ApplyCredit(creditInvoiceID: credit.invoiceID, debitInvoiceID: otherCurrency.invoiceID)
        )
        #expect(mismatch.rejectedFields.contains("debitInvoiceID"))
    }
}

@Suite("Balances from other services' events")
struct InvoiceBalanceTests {
    @Test func paymentsAndFeesMoveTheBalance() async throws {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        let created = try #require(try await harness.send(InvoicingHarness.invoice()).first(InvoiceCreated.self))
        try await harness.send(AttestInvoice(invoiceID: created.invoiceID))
        try await harness.send(
            FeesCharged(
                invoiceID: created.invoiceID,
                fees: [.init(kind: "reminder", amount: Money(minorUnits: 6_000, .sek))],
                interest: .zero(.sek),
                total: Money(minorUnits: 6_000, .sek)
            )
        )
        #expect(try await harness.record(created.invoiceID)?.balance == 1_187_500 + 6_000)
        try await harness.send(
            PaymentMatched(
                paymentID: "p",
                invoiceID: created.invoiceID,
                amount: Money(minorUnits: 1_193_500, .sek),
                matchedBy: "ocr"
            )
        )
        let record = try #require(try await harness.record(created.invoiceID))
        #expect(record.balance == 0)
        #expect(record.status == .closed)
    }
}
