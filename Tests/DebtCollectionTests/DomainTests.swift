import Foundation
import KvittContracts
import Testing

@testable import DebtCollection

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }
private func sek(_ ore: Int64) -> Money { Money(minorUnits: ore, .sek) }

@Suite("Reference rates and late-payment interest")
struct LateInterestTests {
    let table = ReferenceRateTable.riksbank

    @Test func theTableHoldsTheRatesOfTheDomainReference() {
        #expect(table.rate(on: date("2024-03-01")) == 400)
        #expect(table.rate(on: date("2024-12-31")) == 400)
        #expect(table.rate(on: date("2025-01-01")) == 300)
        #expect(table.rate(on: date("2025-07-01")) == 200)
        #expect(table.rate(on: date("2026-06-30")) == 200)
        // Nothing before the first entry, nor after the last entry's half-year (2026-07-01 is not known yet).
        #expect(table.rate(on: date("2023-12-31")) == 350)
        #expect(table.rate(on: date("2023-06-30")) == nil)
        #expect(table.rate(on: date("2026-07-01")) == nil)
        #expect(table.coveredThrough == date("2026-06-30"))
    }

    @Test func aConfiguredTableIsValidated() throws {
        let table = try ReferenceRateTable([
            .init(from: date("2026-07-01"), basisPoints: 150), .init(from: date("2026-01-01"), basisPoints: 200),
        ])
        #expect(table.rate(on: date("2026-08-01")) == 150)
        #expect(table.coveredThrough == date("2026-12-31"))
        #expect(throws: DebtCollectionError.self) { try ReferenceRateTable([]) }
        #expect(throws: DebtCollectionError.self) {
            try ReferenceRateTable([.init(from: date("2026-02-01"), basisPoints: 200)])
        }
        // A missing half-year would carry the old rate forward silently.
        #expect(throws: DebtCollectionError.self) {
            try ReferenceRateTable([
                .init(from: date("2025-01-01"), basisPoints: 300), .init(from: date("2026-01-01"), basisPoints: 200),
            ])
        }
        let decoded = try JSONDecoder().decode(
            ReferenceRateTable.self,
            from: Data(#"[{"from": "2026-01-01", "basisPoints": 200}]"#.utf8)
        )
        #expect(decoded.rate(on: date("2026-05-05")) == 200)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(
                ReferenceRateTable.self,
                from: Data(#"[{"from": "2026-01-15", "basisPoints": 200}]"#.utf8)
            )
        }
    }

    @Test func theDomainReferenceWorkedExample() throws {
        // 10 000 kr, 30 days late in H1 2026: 10 000 × 10 % × 30/365 = 82.19 kr.
        let interest = try LateInterest.calculate(
            principal: sek(1_000_000),
            dueDate: date("2026-03-02"),
            through: date("2026-04-01"),
            table: table
        )
        #expect(interest.amount == sek(8_219))
        #expect(interest.from == date("2026-03-03"))
        #expect(interest.periods.count == 1)
        #expect(interest.periods[0].days == 30)
        #expect(interest.periods[0].annualRateBasisPoints == 1_000)
    }

    @Test func interestOverARateChangeIsSplitAndRoundedOnceAtTheEnd() throws {
        // 10 000 kr due 2025-06-15, interest through 2025-07-15.
        // 2025-06-16 … 2025-06-30: 15 days at 3 % + 8 = 11 %: 10 000 × 0.11 × 15/365 = 45.205479… kr
        // 2025-07-01 … 2025-07-15: 15 days at 2 % + 8 = 10 %: 10 000 × 0.10 × 15/365 = 41.095890… kr
        // Exact total 86.301369… kr → 86.30 kr. Rounding each period first would give 45.21 + 41.10 = 86.31 kr.
        // Lines: floors 45.20 + 41.09 = 86.29; the öre left over goes to the larger remainder (.589 > .548),
        // so 45.20 + 41.10 = 86.30.
        let interest = try LateInterest.calculate(
            principal: sek(1_000_000),
            dueDate: date("2025-06-15"),
            through: date("2025-07-15"),
            table: table
        )
        #expect(interest.amount == sek(8_630))
        #expect(
            interest.periods == [
                .init(
                    from: date("2025-06-16"),
                    through: date("2025-06-30"),
                    annualRateBasisPoints: 1_100,
                    days: 15,
                    amount: sek(4_520)
                ),
                .init(
                    from: date("2025-07-01"),
                    through: date("2025-07-15"),
                    annualRateBasisPoints: 1_000,
                    days: 15,
                    amount: sek(4_110)
                ),
            ]
        )
    }

    @Test func sameRateInConsecutiveHalfYearsStillSplitsAtTheHalfYear() throws {
        // 10 000 kr from 2024-06-21 through 2024-07-10, 4 % + 8 = 12 % in both half-years, 10 days each:
        // 10 000 × 0.12 × 10/365 = 32.876712… kr twice; exact 65.753424… → 65.75 kr. Floors 32.87 + 32.87 leave one
        // öre, and with equal remainders it goes to the earlier period.
        let interest = try LateInterest.calculate(
            principal: sek(1_000_000),
            from: date("2024-06-21"),
            through: date("2024-07-10"),
            table: table
        )
        #expect(interest.periods.map(\.days) == [10, 10])
        #expect(interest.periods.map(\.amount) == [sek(3_288), sek(3_287)])
        #expect(interest.amount == sek(6_575))
    }

    @Test func noDaysNoInterest() throws {
        let onDueDate = try LateInterest.calculate(
            principal: sek(1_000_000),
            dueDate: date("2026-03-02"),
            through: date("2026-03-02"),
            table: table
        )
        #expect(onDueDate.amount == sek(0))
        #expect(onDueDate.periods.isEmpty)
        let oneDay = try LateInterest.calculate(
            principal: sek(1_000_000),
            dueDate: date("2026-03-02"),
            through: date("2026-03-03"),
            table: table
        )
        // 10 000 × 0.10 / 365 = 2.739726… kr → 2.74 kr.
        #expect(oneDay.amount == sek(274))
    }

    @Test func daysOutsideTheTableAndNegativePrincipalsAreRefused() {
        #expect(throws: DebtCollectionError.noReferenceRate(on: date("2026-07-01"))) {
            try LateInterest.calculate(
                principal: sek(100),
                dueDate: date("2026-06-01"),
                through: date("2026-07-05"),
                table: table
            )
        }
        #expect(throws: DebtCollectionError.negativePrincipal(sek(-100))) {
            try LateInterest.calculate(
                principal: sek(-100),
                dueDate: date("2026-03-02"),
                through: date("2026-04-01"),
                table: table
            )
        }
    }
}

@Suite("Collection fees")
struct CollectionFeeTests {
    @Test func statutoryAmounts() {
        #expect(CollectionFees.reminder == sek(6_000))
        #expect(CollectionFees.collectionLetter == sek(18_000))
        #expect(CollectionFees.installmentPlan == sek(17_000))
        #expect(CollectionFees.kronofogdenApplication == sek(30_000))
        #expect(CollectionFees.latePaymentCompensation == sek(45_000))
        #expect(CollectionFees.Kind.allCases.allSatisfy { $0.amount.currency == .sek })
    }

    @Test func whenEachMayBeCharged() {
        #expect(CollectionFees.reminderFee(agreed: true) == sek(6_000))
        #expect(CollectionFees.reminderFee(agreed: false) == nil)
        #expect(CollectionFees.collectionLetterFee(debtor: .consumer) == .collectionLetter)
        // Lag (1981:739) 4 a §: a business debtor owes the 450 kr förseningsersättning by law, not by choice.
        #expect(CollectionFees.collectionLetterFee(debtor: .business) == .latePaymentCompensation)
        // 5 §: the 2–3 §§ fees are owed only beyond it, and all three together stay below it.
        let covered = CollectionFees.Kind.allCases.filter(\.isCoveredByLatePaymentCompensation)
        #expect(Set(covered) == [.reminder, .collectionLetter, .installmentPlan])
        #expect(covered.map(\.amount.amount).reduce(0, +) < CollectionFees.latePaymentCompensation.amount)
        #expect(CollectionFees.Kind.allCases.allSatisfy { !$0.legalBasis.isEmpty })
    }
}

@Suite("Bank days")
struct BankDayTests {
    @Test func easterAndMidsummer() {
        #expect(SwedishBankDays.easterSunday(2025) == date("2025-04-20"))
        #expect(SwedishBankDays.easterSunday(2026) == date("2026-04-05"))
        #expect(SwedishBankDays.easterSunday(2027) == date("2027-03-28"))
        #expect(
            SwedishBankDays.closedWeekdays(in: 2026)
                == [
                    "2026-01-01", "2026-01-06", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-06-06",
                    "2026-06-19", "2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31",
                ].map(date)
        )
        #expect(SwedishBankDays.closedWeekdays(in: 2025).contains(date("2025-06-20")))
        #expect(SwedishBankDays.closedWeekdays(in: 2025).contains(date("2025-05-29")))
        #expect(SwedishBankDays.closedWeekdays(in: 2027).contains(date("2027-06-25")))
        #expect(SwedishBankDays.closedWeekdays(in: 2027).contains(date("2027-05-06")))
    }

    @Test func bankDays() {
        #expect(date("2026-03-02").isoWeekday == 1)
        #expect(SwedishBankDays.isBankDay(date("2026-03-02")))
        #expect(!SwedishBankDays.isBankDay(date("2026-03-07")))
        #expect(!SwedishBankDays.isBankDay(date("2026-04-03")))
        #expect(SwedishBankDays.adding(bankDays: 2, to: date("2026-04-02")) == date("2026-04-08"))
        #expect(SwedishBankDays.onOrAfter(date("2026-12-24")) == date("2026-12-28"))
    }
}

@Suite("The collection ladder")
struct CollectionLadderTests {
    let due = date("2026-04-01")
    let owed = sek(1_000_000)

    func ladder(
        reminder: Int? = 10,
        collection: Int? = 25,
        feeAgreed: Bool = true,
        paymentDays: Int = 8,
        debtor: DebtorKind = .consumer
    ) throws -> CollectionLadder {
        CollectionLadder(
            settings: try CollectionSettings(
                reminderDaysAfterDue: reminder,
                collectionDaysAfterDue: collection,
                reminderFeeAgreed: feeAgreed,
                collectionLetterPaymentDays: paymentDays
            ),
            dueDate: due,
            debtor: debtor
        )
    }

    func scheduled(_ next: CollectionLadder.Next) -> CollectionLadder.ScheduledStep? {
        if case .scheduled(let step) = next { step } else { nil }
    }

    @Test func automaticLadderFromReminderToApplication() throws {
        let ladder = try ladder()
        var history: [CollectionEvent] = []
        let reminder = try #require(scheduled(ladder.next(after: history, outstanding: owed)))
        #expect(reminder == .init(step: .reminder, date: date("2026-04-11"), fee: .reminder, paymentDueDate: nil))

        history.append(.reminderSent(on: date("2026-04-11")))
        let letter = try #require(scheduled(ladder.next(after: history, outstanding: owed)))
        #expect(letter.step == .collectionLetter)
        #expect(letter.date == date("2026-04-26"))
        #expect(letter.fee == .collectionLetter)
        // Sent Sunday 26 April: 8 days → Monday 4 May; presumed receipt 2 bank days later (Tuesday 28 April), then
        // 4 bank days: 29, 30 April, (1 May is a holiday) 4, 5 May → Tuesday 5 May, the later of the two.
        #expect(letter.paymentDueDate == date("2026-05-05"))

        history.append(.collectionLetterSent(on: date("2026-04-26"), dueDate: date("2026-05-05")))
        #expect(
            ladder.next(after: history, outstanding: owed)
                == .scheduled(
                    .init(step: .creditorDecisionRequested, date: date("2026-05-06"), fee: nil, paymentDueDate: nil)
                )
        )
        history.append(.creditorDecisionRequested(on: date("2026-05-06")))
        #expect(ladder.next(after: history, outstanding: owed) == .waiting(.creditorDecision))

        #expect(
            ladder.next(
                after: history + [.enforcementDecided(on: date("2026-05-08"), proceed: false)],
                outstanding: owed
            )
                == .waiting(.creditorAction)
        )
        history.append(.enforcementDecided(on: date("2026-05-08"), proceed: true))
        #expect(
            ladder.next(after: history, outstanding: owed)
                == .scheduled(
                    .init(
                        step: .enforcementApplicationPrepared,
                        date: date("2026-05-08"),
                        fee: .kronofogdenApplication,
                        paymentDueDate: nil
                    )
                )
        )
        history.append(.enforcementApplicationPrepared(on: date("2026-05-08")))
        #expect(ladder.next(after: history, outstanding: owed) == .waiting(.kronofogden))
        #expect(ladder.next(after: history, outstanding: sek(0)) == .stopped(.paid))
    }

    @Test func reminderWithoutAgreedFeeIsFree() throws {
        let step = try #require(scheduled(try ladder(feeAgreed: false).next(after: [], outstanding: owed)))
        #expect(step.step == .reminder)
        #expect(step.fee == nil)
    }

    @Test func manualCollectionWaitsForTheCreditor() throws {
        let ladder = try ladder(collection: nil)
        #expect(scheduled(ladder.next(after: [], outstanding: owed))?.step == .reminder)
        let reminded: [CollectionEvent] = [.reminderSent(on: date("2026-04-11"))]
        #expect(ladder.next(after: reminded, outstanding: owed) == .waiting(.manualCollection))
        let requested = reminded + [.collectionRequested(on: date("2026-05-04"))]
        let letter = try #require(scheduled(ladder.next(after: requested, outstanding: owed)))
        #expect(letter.step == .collectionLetter)
        #expect(letter.date == date("2026-05-04"))
        #expect(letter.paymentDueDate == date("2026-05-12"))
    }

    @Test func collectionWithoutReminder() throws {
        let step = try #require(scheduled(try ladder(reminder: nil, collection: 14).next(after: [], outstanding: owed)))
        #expect(step.step == .collectionLetter)
        #expect(step.date == date("2026-04-15"))
    }

    @Test func aBusinessDebtorIsChargedLatePaymentCompensationInstead() throws {
        let business = try ladder(reminder: nil, debtor: .business)
        #expect(scheduled(business.next(after: [], outstanding: owed))?.fee == .latePaymentCompensation)
        let consumer = try ladder(reminder: nil, debtor: .consumer)
        #expect(scheduled(consumer.next(after: [], outstanding: owed))?.fee == .collectionLetter)
    }

    @Test func theCollectionLetterGivesAtLeastEightDaysAndFourBankDaysAfterReceipt() throws {
        let ladder = try ladder(paymentDays: 5)
        // Monday 2 March: 8 days (not the configured 5) → Tuesday 10 March; receipt Wednesday 4 March + 4 bank days
        // → Tuesday 10 March.
        #expect(ladder.collectionLetterDueDate(sentOn: date("2026-03-02")) == date("2026-03-10"))
        // Maundy Thursday 2 April 2026: 8 days → Friday 10 April; but Good Friday and Easter Monday are not bank
        // days, so receipt is Wednesday 8 April and the 4th bank day after it Tuesday 14 April.
        #expect(ladder.collectionLetterDueDate(sentOn: date("2026-04-02")) == date("2026-04-14"))
        // More configured days are kept, and a deadline on a weekend moves to the next bank day.
        #expect(
            try self.ladder(paymentDays: 14).collectionLetterDueDate(sentOn: date("2026-03-02")) == date("2026-03-16")
        )
        #expect(
            try self.ladder(paymentDays: 10).collectionLetterDueDate(sentOn: date("2026-03-04")) == date("2026-03-16")
        )
    }

    @Test func postponementMovesOnlyTheNextEvent() throws {
        let ladder = try ladder()
        let postponed = try ladder.postponement(
            after: [],
            outstanding: owed,
            to: date("2026-04-20"),
            today: date("2026-04-05")
        )
        #expect(postponed == .postponed(on: date("2026-04-05"), to: date("2026-04-20")))
        #expect(scheduled(ladder.next(after: [postponed], outstanding: owed))?.date == date("2026-04-20"))
        // The reminder went out late; the inkassokrav keeps the configured 15-day gap after it (not due + 25 days).
        let history = [postponed, .reminderSent(on: date("2026-04-20"))]
        #expect(scheduled(ladder.next(after: history, outstanding: owed))?.date == date("2026-05-05"))
        // The due date itself never moves, nor does the interest start.
        #expect(ladder.dueDate == due)

        #expect(
            throws: DebtCollectionError.postponementNotLater(
                scheduled: date("2026-04-11"),
                requested: date("2026-04-11")
            )
        ) {
            try ladder.postponement(after: [], outstanding: owed, to: date("2026-04-11"), today: date("2026-04-05"))
        }
        #expect(
            throws: DebtCollectionError.postponementNotLater(
                scheduled: date("2026-04-11"),
                requested: date("2026-04-12")
            )
        ) {
            try ladder.postponement(after: [], outstanding: owed, to: date("2026-04-12"), today: date("2026-04-15"))
        }
    }

    @Test func recallStopsTheCase() throws {
        let ladder = try ladder()
        let history: [CollectionEvent] = [.reminderSent(on: date("2026-04-11")), .recalled(on: date("2026-04-13"))]
        #expect(ladder.next(after: history, outstanding: owed) == .stopped(.recalled))
        #expect(throws: DebtCollectionError.nothingToPostpone) {
            try ladder.postponement(
                after: history,
                outstanding: owed,
                to: date("2026-05-01"),
                today: date("2026-04-14")
            )
        }
    }

    @Test func anInstallmentPlanPausesAndAMissedInstallmentResumes() throws {
        let ladder = try ladder()
        let sent: [CollectionEvent] = [
            .reminderSent(on: date("2026-04-11")),
            .collectionLetterSent(on: date("2026-04-26"), dueDate: date("2026-05-05")),
            .installmentPlanCreated(on: date("2026-05-03")),
        ]
        #expect(ladder.next(after: sent, outstanding: owed) == .waiting(.installmentPlan))
        let missed = sent + [.installmentMissed(on: date("2026-06-02"))]
        let step = try #require(scheduled(ladder.next(after: missed, outstanding: owed)))
        #expect(step.step == .creditorDecisionRequested)
        #expect(step.date == date("2026-06-02"))
    }

    @Test func longTermSurveillanceSendsQuarterlyLetters() throws {
        let ladder = try ladder()
        let history: [CollectionEvent] = [
            .enforcementDecided(on: date("2026-05-08"), proceed: false),
            .longTermSurveillanceStarted(on: date("2026-06-30")),
        ]
        #expect(scheduled(ladder.next(after: history, outstanding: owed))?.date == date("2026-06-30"))
        let sent = history + [.surveillanceLetterSent(on: date("2026-06-30"))]
        let next = try #require(scheduled(ladder.next(after: sent, outstanding: owed)))
        #expect(next.step == .surveillanceLetter)
        #expect(next.date == date("2026-09-30"))
    }

    @Test func inconsistentSettingsAreRefused() {
        #expect(throws: DebtCollectionError.self) {
            try CollectionSettings(reminderDaysAfterDue: 25, collectionDaysAfterDue: 10, reminderFeeAgreed: true)
        }
        #expect(throws: DebtCollectionError.self) {
            try CollectionSettings(reminderDaysAfterDue: 0, collectionDaysAfterDue: nil, reminderFeeAgreed: true)
        }
    }
}

@Suite("Instalment plans")
struct InstallmentPlanTests {
    let dates = ["2026-05-01", "2026-06-01", "2026-07-01"].map(date)
    let today = date("2026-04-20")

    @Test func theInstalmentsSumExactlyToBalanceAndFee() throws {
        // 1 000.01 kr + 170 kr = 1 170.01 kr in three: 390.01, 390.00, 390.00.
        let plan = try InstallmentPlan(balance: sek(100_001), dates: dates, today: today)
        #expect(plan.fee == sek(17_000))
        #expect(plan.installments.map(\.amount) == [sek(39_001), sek(39_000), sek(39_000)])
        #expect(plan.installments.map(\.number) == [1, 2, 3])
        #expect(try plan.total == sek(117_001))
        let withoutFee = try InstallmentPlan(balance: sek(100_001), dates: dates, today: today, chargeFee: false)
        #expect(try withoutFee.total == sek(100_001))
    }

    @Test func aMissedInstalment() throws {
        let plan = try InstallmentPlan(balance: sek(100_001), dates: dates, today: today)
        let first = plan.installments[0]
        // On the date itself the instalment can still be paid.
        #expect(
            try plan.status(paidSoFar: sek(30_000), today: date("2026-05-01"))
                == .onTrack(next: first, amountDue: sek(9_001))
        )
        #expect(
            try plan.status(paidSoFar: sek(30_000), today: date("2026-05-02")) == .missed(first, shortfall: sek(9_001))
        )
        #expect(
            try plan.status(paidSoFar: sek(39_001), today: date("2026-05-15"))
                == .onTrack(next: plan.installments[1], amountDue: sek(39_000))
        )
        // Two instalments due, one and a half paid: the second is missed.
        #expect(
            try plan.status(paidSoFar: sek(58_501), today: date("2026-06-02"))
                == .missed(plan.installments[1], shortfall: sek(19_500))
        )
        #expect(try plan.status(paidSoFar: sek(117_001), today: date("2026-08-01")) == .completed)
    }

    @Test func invalidPlansAreRefused() {
        #expect(throws: DebtCollectionError.invalidInstallmentCount(1)) {
            try InstallmentPlan(balance: sek(100_000), dates: [date("2026-05-01")], today: today)
        }
        let many = (0..<37).compactMap { date("2026-05-01").adding(months: $0) }
        #expect(throws: DebtCollectionError.invalidInstallmentCount(37)) {
            try InstallmentPlan(balance: sek(100_000), dates: many, today: today)
        }
        #expect(throws: DebtCollectionError.installmentDatesNotIncreasing) {
            try InstallmentPlan(balance: sek(100_000), dates: [date("2026-06-01"), date("2026-06-01")], today: today)
        }
        #expect(throws: DebtCollectionError.firstInstallmentInThePast(first: date("2026-04-19"), today: today)) {
            try InstallmentPlan(balance: sek(100_000), dates: [date("2026-04-19"), date("2026-05-19")], today: today)
        }
        #expect(throws: DebtCollectionError.nonPositiveBalance(sek(0))) {
            try InstallmentPlan(balance: sek(0), dates: dates, today: today)
        }
        #expect(throws: DebtCollectionError.money(.currencyMismatch(.eur, .sek))) {
            try InstallmentPlan(balance: Money(minorUnits: 100_000, .eur), dates: dates, today: today)
        }
    }
}

@Suite("Preskription")
struct PreskriptionTests {
    @Test func threeYearsForAConsumerTenOtherwise() {
        let arose = date("2026-03-15")
        #expect(Preskription.Period(debtor: .consumer) == .consumer)
        #expect(Preskription.Period(debtor: .consumer, creditorIsBusiness: false) == .general)
        #expect(Preskription.Period(debtor: .business) == .general)
        #expect(Preskription(period: .consumer, claimArose: arose).date == date("2029-03-15"))
        #expect(Preskription(period: .general, claimArose: arose).date == date("2036-03-15"))
        // A 29 February start ends on 28 February.
        #expect(Preskription(period: .consumer, claimArose: date("2024-02-29")).date == date("2027-02-28"))
    }

    @Test func anInterruptionRestartsThePeriod() {
        let preskription = Preskription(period: .consumer, claimArose: date("2026-03-15"))
        let interrupted = preskription.interrupted(on: date("2027-01-20"))
        #expect(interrupted.startedOn == date("2027-01-20"))
        #expect(interrupted.date == date("2030-01-20"))
        // Neither an older event nor one after the claim is time-barred changes anything.
        #expect(interrupted.interrupted(on: date("2026-12-01")) == interrupted)
        #expect(preskription.interrupted(on: date("2029-03-15")) == preskription)
        #expect(preskription.isTimeBarred(on: date("2029-03-15")))
        #expect(!preskription.isTimeBarred(on: date("2029-03-14")))
    }

    @Test func aWarningWellBefore() {
        let preskription = Preskription(period: .consumer, claimArose: date("2026-04-01"))
        #expect(preskription.date == date("2029-04-01"))
        #expect(preskription.warningDate() == date("2029-01-01"))
        #expect(preskription.warningDate(daysBefore: 30) == date("2029-03-02"))
        #expect(!preskription.needsWarning(on: date("2028-12-31")))
        #expect(preskription.needsWarning(on: date("2029-01-01")))
        #expect(!preskription.needsWarning(on: date("2029-04-01")))
    }

    @Test func sentLettersInterruptButOtherEventsDoNot() {
        #expect(CollectionEvent.reminderSent(on: date("2026-04-11")).interruptsPreskription)
        #expect(CollectionEvent.surveillanceLetterSent(on: date("2026-04-11")).interruptsPreskription)
        #expect(!CollectionEvent.postponed(on: date("2026-04-11"), to: date("2026-05-01")).interruptsPreskription)
    }
}

@Suite("Long-term surveillance")
struct LongTermSurveillanceTests {
    @Test func quarterlyLettersClampToTheMonthEnd() {
        let surveillance = LongTermSurveillance(startingOn: date("2026-01-31"))
        #expect(
            surveillance.letterDates(through: date("2027-01-31"))
                == ["2026-01-31", "2026-04-30", "2026-07-31", "2026-10-31", "2027-01-31"].map(date)
        )
        #expect(surveillance.nextLetterDate(after: nil) == date("2026-01-31"))
        #expect(surveillance.nextLetterDate(after: date("2026-04-30")) == date("2026-07-31"))
        #expect(surveillance.nextLetterDate(after: date("2026-05-02")) == date("2026-07-31"))
        #expect(surveillance.nextLetterDate(after: date("2030-12-31")) == date("2031-01-31"))
        let november = LongTermSurveillance(startingOn: date("2025-11-30"))
        #expect(
            november.letterDates(through: date("2026-05-30")) == ["2025-11-30", "2026-02-28", "2026-05-30"].map(date)
        )
    }

    @Test func eachLetterInterruptsPreskription() {
        let surveillance = LongTermSurveillance(startingOn: date("2026-01-31"))
        let preskription = Preskription(period: .consumer, claimArose: date("2025-01-15"))
        let kept = surveillance.preskription(preskription, afterLettersThrough: date("2026-11-15"))
        #expect(kept.startedOn == date("2026-10-31"))
        #expect(kept.date == date("2029-10-31"))
    }
}

@Suite("Application for betalningsföreläggande")
struct EnforcementApplicationTests {
    func application() throws -> EnforcementApplication {
        try EnforcementApplication.prepare(
            applicant: .init(name: "Kvitt Test AB", identity: SwedishIdentity(parsing: "556036-0793")),
            debtor: .init(name: "Anna Svensson", identity: SwedishIdentity(parsing: "19811218-9876")),
            invoiceNumber: "1001",
            capital: sek(1_000_000),
            dueDate: date("2026-04-01"),
            applicationDate: date("2026-05-11"),
            table: .riksbank,
            reminderFeeCharged: true
        )
    }

    @Test func theTotalIsCapitalInterestAndFees() throws {
        let application = try application()
        // Interest 2026-04-02 … 2026-05-11, 40 days at 2 % + 8 = 10 %: 10 000 × 0.10 × 40/365 = 109.589… → 109.59 kr.
        #expect(application.interest.amount == sek(10_959))
        #expect(application.interest.from == date("2026-04-02"))
        #expect(application.interest.through == date("2026-05-11"))
        #expect(application.interest.annualRateBasisPoints == 1_000)
        #expect(application.fees.map(\.kind) == [.collectionLetter, .reminder, .kronofogdenApplication])
        // 10 000 + 109.59 + 180 + 60 + 300 = 10 649.59 kr.
        #expect(application.total == sek(1_064_959))
        #expect(application.grounds == "Obetald faktura 1001 förfallen 2026-04-01")
    }

    @Test func theDescriptionMasksTheDebtor() throws {
        let text = try application().description
        #expect(text.contains("A*** S***"))
        #expect(text.contains("19811218-****"))
        #expect(!text.contains("Anna"))
        #expect(!text.contains("9876"))
        #expect(text.contains("Kvitt Test AB (556036-0793)"))
        #expect(text.contains("totalt 10649.59 SEK"))
        #expect(text.contains("ränta 10.00 %"))
        #expect(String(reflecting: try application()) == text)
    }

    @Test func itRoundTripsThroughJSONAndRefusesAWrongTotal() throws {
        let application = try application()
        let data = try JSONEncoder().encode(application)
        #expect(try JSONDecoder().decode(EnforcementApplication.self, from: data) == application)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["total"] = ["amount": 1, "currency": "SEK"]
        let tampered = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(EnforcementApplication.self, from: tampered) }
    }
}
