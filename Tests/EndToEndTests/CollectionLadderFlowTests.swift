import Foundation
import KvittContracts
import KvittTesting
import Testing

/// The collection ladder through the four real executables, with time moved by the services' business clocks rather
/// than waited for: reminder, collection letter with its fee and interest, the creditor's decision, the application
/// for betalningsföreläggande and long-term surveillance; and beside the ladder a recall, an installment plan that is
/// not kept, a postponement, and collection that starts by itself under the creditor's settings.
@Suite("End to end: the collection ladder")
struct CollectionLadderFlowTests {
    /// Reference rates for the half-years after the built-in table, so that interest runs up to the day it is charged.
    static let environment = ["REFERENCE_RATES": Fixture.referenceRates]

    /// Dröjsmålsränta as debt-collection charges it with every reference rate at 2 %: 10 % a year, actual/365, for
    /// the days after the due date, rounded half up to whole öre.
    static func lateInterest(on capital: Int64, daysLate days: Int) -> Int64 {
        let exact = capital * 1_000 * Int64(days)
        return exact / 3_650_000 + (exact % 3_650_000 >= 1_825_000 ? 1 : 0)
    }

    @Test func anUnpaidInvoiceClimbsFromReminderToLongTermSurveillance() async throws {
        let system = try await RunningSystem.start("ladder", extraEnvironment: Self.environment)
        let recorder = system.recorder
        let creditor = "stege"
        // A reminder 5 days after the due date with the agreed 60 kr fee; collection only when the creditor says so.
        try await system.register(
            Fixture.creditor(
                creditor,
                name: "Elfirman Syd AB",
                collection: .init(reminderDaysAfterDue: 5, collectionDaysAfterDue: nil)
            )
        )
        let start = try await system.businessDate()
        let issued = try await system.issue(
            Fixture.invoice(
                creditor,
                "el-2211",
                debtor: Fixture.anna,
                date: start,
                paymentTermsDays: 3,
                lines: [Fixture.line("Byte av elcentral", "1", unitPrice: 800_000)]
            )
        )
        let id = issued.invoiceID
        let capital = issued.amountDue.amount
        #expect(capital == 1_000_000, "8 000 kr + 25 % VAT")
        #expect(issued.dueDate == start.adding(days: 3))
        let reminderDay = issued.dueDate.adding(days: 5)
        let watched = await system.read(BooksAudit.CollectionCase.self, "debt-collection", "/v1/cases/\(id)") {
            $0.nextStep == "reminder"
        }
        #expect(watched?.nextDate == reminderDay.description)

        // Five days after the due date, unpaid: the reminder goes out with its fee.
        try await system.advanceClock(to: reminderDay)
        let reminder = try #require(await recorder.wait(for: ReminderSent.self) { $0.invoiceID == id })
        #expect(reminder.on >= reminderDay)
        let reminderFee = try #require(await recorder.wait(for: FeesCharged.self) { $0.invoiceID == id })
        #expect(reminderFee.fees.map(\.kind) == ["reminder"])
        #expect(reminderFee.total == sek(6_000))
        #expect(reminder.outstanding == sek(capital + 6_000))
        let reminded = await system.read(BooksAudit.CollectionCase.self, "debt-collection", "/v1/cases/\(id)") {
            $0.fees == sek(6_000)
        }
        #expect(reminded != nil && reminded?.nextStep == nil, "manual collection: the case waits for the creditor")

        // The creditor sends it to collection: the inkassokrav goes out at once, with the 180 kr fee and interest.
        try await system.send(SendToCollection(invoiceID: id))
        let letter = try #require(await recorder.wait(for: CollectionLetterSent.self) { $0.invoiceID == id })
        let letterFees = try #require(
            await recorder.wait(for: FeesCharged.self) {
                $0.invoiceID == id && $0.fees.contains { $0.kind == "collection-letter" }
            }
        )
        #expect(letterFees.fees.map(\.amount) == [sek(18_000)])
        let daysLate = issued.dueDate.days(until: letter.on)
        #expect(letterFees.interest == sek(Self.lateInterest(on: capital, daysLate: daysLate)))
        #expect(letterFees.interest.amount > 0)
        let payBy = try #require(letter.payBy)
        #expect(letter.on.days(until: payBy) >= 8, "an inkassokrav gives at least 8 days to pay")
        let owed = capital + 6_000 + 18_000 + letterFees.interest.amount
        #expect(letter.outstanding == sek(owed))
        // The fees and the interest raise what the debtor owes in invoicing and in payment-matching alike.
        let invoiced = await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(id)") {
            $0.balance == sek(owed)
        }
        #expect(invoiced?.fees == sek(owed - capital))
        #expect(invoiced?.colour == "red", "overdue")
        #expect(invoiced?.dueDate == issued.dueDate, "the due date never changes")
        let expected = await system.read(BooksAudit.Receivable.self, "payment-matching", "/v1/receivables/\(id)") {
            $0.balance == sek(owed)
        }
        #expect(expected?.adjustments == sek(capital - owed), "fees are negative adjustments")

        // Still unpaid the day after the letter's pay-by date: the creditor is asked whether to go to Kronofogden.
        try await system.advanceClock(to: payBy.adding(days: 1))
        let question = try #require(await recorder.wait(for: CreditorDecisionRequested.self) { $0.invoiceID == id })
        #expect(question.on > payBy)
        #expect(question.outstanding == sek(owed))

        // The creditor goes on: the application for betalningsföreläggande, with Kronofogden's 300 kr fee.
        try await system.send(DecideEnforcement(invoiceID: id, proceed: true))
        let application = try #require(
            await recorder.wait(for: EnforcementApplicationPrepared.self) { $0.invoiceID == id }
        )
        #expect(application.detail?.contains("\"invoiceNumber\":\"\(issued.invoiceNumber)\"") == true)
        let applicationFee = try #require(
            await recorder.wait(for: FeesCharged.self) {
                $0.invoiceID == id && $0.fees.contains { $0.kind == "kronofogden-application" }
            }
        )
        #expect(applicationFee.total == sek(30_000))
        #expect(application.outstanding == sek(owed + 30_000))

        // Long-term surveillance: a renewed demand now and every quarter, each quarter costing the creditor 99 kr
        // (invoicing's default price for it) on the creditor's platform statement.
        try await system.send(StartLongTermSurveillance(invoiceID: id))
        let firstLetter = try #require(await recorder.wait(for: SurveillanceLetterSent.self) { $0.invoiceID == id })
        let firstFee = try #require(
            await recorder.wait(for: CreditorPlatformFeeCharged.self) {
                $0.invoiceID == id && $0.service == .surveillanceQuarter
            }
        )
        #expect(firstFee.amount == sek(9_900))
        #expect(firstFee.creditorID == creditor)
        #expect(firstFee.on == firstLetter.on)
        let surveilled = try #require(
            await system.read(BooksAudit.CollectionCase.self, "debt-collection", "/v1/cases/\(id)") {
                $0.nextStep == "surveillanceLetter"
            }
        )
        let nextQuarter = try #require(surveilled.nextDate.flatMap { CalendarDate($0) })
        let monthsApart =
            (nextQuarter.year * 12 + nextQuarter.month) - (firstLetter.on.year * 12 + firstLetter.on.month)
        #expect(monthsApart == 3, "the next demand a quarter later")

        try await system.advanceClock(to: nextQuarter)
        let secondLetter = try #require(
            await recorder.wait(for: SurveillanceLetterSent.self) { $0.invoiceID == id && $0.on > firstLetter.on }
        )
        #expect(secondLetter.on >= nextQuarter)
        let secondFee = try #require(
            await recorder.wait(for: CreditorPlatformFeeCharged.self) {
                $0.invoiceID == id && $0.service == .surveillanceQuarter && $0.on == secondLetter.on
            }
        )
        #expect(secondFee.amount == sek(9_900))
        // The platform fee is the creditor's: what the debtor owes has not moved.
        #expect(await system.invoice(id)?.balance == sek(owed + 30_000))
        #expect(await system.collectionCase(id)?.outstanding == sek(owed + 30_000))
        let surveillanceFees = recorder.messages(CreditorPlatformFeeCharged.self).filter {
            $0.invoiceID == id && $0.service == .surveillanceQuarter
        }
        #expect(surveillanceFees.count == 2, "one fee per quarter, charged once")

        let violations = await system.booksViolations(creditor: creditor)
        #expect(violations.isEmpty, "\(violations)")
        await system.stop()
    }

    @Test func recallPlanPostponementAndAutomaticCollectionEachChangeTheLadder() async throws {
        let system = try await RunningSystem.start("ladder-sides", extraEnvironment: Self.environment)
        let recorder = system.recorder
        // One creditor collects by hand and agreed no reminder fee; the other sends claims to collection by itself.
        try await system.register(
            Fixture.creditor(
                "sidor",
                name: "Städbolaget Väst AB",
                reminderFeeAgreed: false,
                collection: .init(reminderDaysAfterDue: 5, collectionDaysAfterDue: nil)
            )
        )
        try await system.register(
            Fixture.creditor(
                "auto",
                name: "Rörfirman Öst AB",
                collection: .init(reminderDaysAfterDue: 5, collectionDaysAfterDue: 8)
            )
        )
        let start = try await system.businessDate()
        func issue(_ creditor: String, _ externalID: String, _ debtor: Debtor) async throws -> InvoiceIssued {
            try await system.issue(
                Fixture.invoice(
                    creditor,
                    externalID,
                    debtor: debtor,
                    date: start,
                    paymentTermsDays: 3,
                    lines: [Fixture.line("Storstädning", "1", unitPrice: 400_000)]
                )
            )
        }
        let recalled = try await issue("sidor", "stad-1", Fixture.anna)
        let planned = try await issue("sidor", "stad-2", Fixture.bo)
        let postponed = try await issue("sidor", "stad-3", Fixture.kundAB)
        let automatic = try await issue("auto", "ror-1", Fixture.kundAB)
        let due = start.adding(days: 3)
        for invoice in [recalled, planned, postponed, automatic] {
            #expect(invoice.dueDate == due)
            let watched = await system.read(
                BooksAudit.CollectionCase.self,
                "debt-collection",
                "/v1/cases/\(invoice.invoiceID)"
            ) { $0.nextStep == "reminder" }
            #expect(watched?.nextDate == due.adding(days: 5).description)
        }

        // Not overdue yet: sending to collection is refused.
        let earlyID = UUID().uuidString
        try await system.send(SendToCollection(invoiceID: postponed.invoiceID), id: earlyID)
        let early = try #require(
            await recorder.wait(for: DebtCollectionCommandRejected.self) { $0.rejection.commandID == earlyID }
        )
        #expect(early.rejection.errors.first?.message.contains("not overdue") == true)

        // The creditor recalls a claim the debtor disputes: the case ends and nothing more happens to it.
        try await system.send(RecallCollection(invoiceID: recalled.invoiceID, reason: "Kunden bestrider fakturan"))
        #expect(await recorder.wait(for: CaseClosed.self) { $0.invoiceID == recalled.invoiceID }?.reason == "recalled")
        let recalledCase = await system.read(
            BooksAudit.CollectionCase.self,
            "debt-collection",
            "/v1/cases/\(recalled.invoiceID)"
        ) { $0.status == "closed" }
        #expect(recalledCase?.nextStep == nil)
        let afterRecallID = UUID().uuidString
        try await system.send(SendToCollection(invoiceID: recalled.invoiceID), id: afterRecallID)
        let afterRecall = try #require(
            await recorder.wait(for: DebtCollectionCommandRejected.self) { $0.rejection.commandID == afterRecallID }
        )
        #expect(afterRecall.rejection.errors.first?.message.contains("closed") == true)

        // An installment plan: the balance and the 170 kr plan fee over two dates.
        let firstInstallment = start.adding(days: 5)
        try await system.send(
            CreateInstallmentPlan(invoiceID: planned.invoiceID, dates: [firstInstallment, start.adding(days: 35)])
        )
        let plan = try #require(
            await recorder.wait(for: InstallmentPlanCreated.self) { $0.invoiceID == planned.invoiceID }
        )
        #expect(plan.payBy == firstInstallment)
        #expect(plan.outstanding == sek(planned.amountDue.amount + 17_000))
        let planFee = try #require(await recorder.wait(for: FeesCharged.self) { $0.invoiceID == planned.invoiceID })
        #expect(planFee.fees.map(\.kind) == ["installment-plan"])
        #expect(planFee.total == sek(17_000))

        // The reminder is moved four days later; moving it earlier than planned is refused.
        let reminderDay = due.adding(days: 5)
        let earlierID = UUID().uuidString
        try await system.send(PostponeNextEvent(invoiceID: postponed.invoiceID, to: due.adding(days: 2)), id: earlierID)
        let earlier = try #require(
            await recorder.wait(for: DebtCollectionCommandRejected.self) { $0.rejection.commandID == earlierID }
        )
        #expect(earlier.rejection.errors.map(\.field) == ["to"])
        let postponedTo = reminderDay.adding(days: 4)
        try await system.send(PostponeNextEvent(invoiceID: postponed.invoiceID, to: postponedTo))
        let moved = try #require(
            await recorder.wait(for: NextEventPostponed.self) { $0.invoiceID == postponed.invoiceID }
        )
        #expect(moved.payBy == postponedTo)
        #expect(moved.detail?.contains("from \(reminderDay) to \(postponedTo)") == true)

        // A day past the reminder date.
        try await system.advanceClock(to: reminderDay.adding(days: 1))
        // The first installment went unpaid: the plan is off and the ladder resumes with the reminder, without a fee.
        let missed = try #require(
            await recorder.wait(for: InstallmentMissed.self) { $0.invoiceID == planned.invoiceID }
        )
        #expect(missed.on > firstInstallment)
        let resumed = try #require(await recorder.wait(for: ReminderSent.self) { $0.invoiceID == planned.invoiceID })
        #expect(resumed.on >= missed.on)
        #expect(recorder.messages(FeesCharged.self).filter { $0.invoiceID == planned.invoiceID }.count == 1)
        // The automatic creditor's invoice is reminded on schedule, with the fee that creditor agreed.
        let autoReminder = try #require(
            await recorder.wait(for: ReminderSent.self) { $0.invoiceID == automatic.invoiceID }
        )
        #expect(autoReminder.on >= reminderDay)
        // The scheduler passes that sent those reminders saw the postponed and the recalled cases too: both stay quiet.
        let quiet = [postponed.invoiceID, recalled.invoiceID]
        #expect(recorder.messages(ReminderSent.self).allSatisfy { !quiet.contains($0.invoiceID) })
        let waiting = await system.collectionCase(postponed.invoiceID)
        #expect(waiting?.nextStep == "reminder" && waiting?.nextDate == postponedTo.description)
        #expect(await system.invoice(postponed.invoiceID)?.dueDate == due, "the invoice's due date never changes")
        // Collection follows the reminder by the creditor's 8 days after the due date, keeping the 3-day gap after it.
        let letterDay = max(due.adding(days: 8), autoReminder.on.adding(days: 3))
        let scheduled = await system.read(
            BooksAudit.CollectionCase.self,
            "debt-collection",
            "/v1/cases/\(automatic.invoiceID)"
        ) { $0.nextStep == "collectionLetter" }
        #expect(scheduled?.nextDate == letterDay.description)

        // On the postponed date the reminder goes out; the automatic creditor's claim goes to collection by itself.
        try await system.advanceClock(to: max(postponedTo, letterDay))
        let late = try #require(await recorder.wait(for: ReminderSent.self) { $0.invoiceID == postponed.invoiceID })
        #expect(late.on >= postponedTo)
        let autoLetter = try #require(
            await recorder.wait(for: CollectionLetterSent.self) { $0.invoiceID == automatic.invoiceID }
        )
        #expect(autoLetter.on >= letterDay)
        // Kund AB is a business: its reminder carried the 450 kr förseningsersättning (lag 1981:739 4 a §), so the
        // inkassokrav charges no inkasso fee (5 §), only the interest.
        let compensation = try #require(
            await recorder.wait(for: FeesCharged.self) {
                $0.invoiceID == automatic.invoiceID && $0.fees.contains { $0.kind == "late-payment-compensation" }
            }
        )
        #expect(compensation.fees.map(\.amount) == [sek(45_000)])
        let autoFees = try #require(
            await recorder.wait(for: FeesCharged.self) {
                $0.invoiceID == automatic.invoiceID && $0.fees.isEmpty && $0.interest.amount > 0
            }
        )
        #expect(!recorder.messages(FeesCharged.self).contains { $0.fees.contains { $0.kind == "collection-letter" } })
        let daysLate = due.days(until: autoLetter.on)
        #expect(autoFees.interest == sek(Self.lateInterest(on: automatic.amountDue.amount, daysLate: daysLate)))
        #expect(recorder.messages(CollectionLetterSent.self).allSatisfy { $0.invoiceID == automatic.invoiceID })
        #expect(recorder.messages(ReminderSent.self).allSatisfy { $0.invoiceID != recalled.invoiceID })

        for creditor in ["sidor", "auto"] {
            let violations = await system.booksViolations(creditor: creditor)
            #expect(violations.isEmpty, "\(creditor): \(violations)")
        }
        await system.stop()
    }
}
