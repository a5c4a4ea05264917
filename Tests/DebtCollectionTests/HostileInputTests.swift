import Foundation
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import DebtCollection

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }
private func sek(_ ore: Int64) -> Money { Money(minorUnits: ore, .sek) }

/// Whether `error` is an amount overflow.
private func isOverflow(_ error: any Error) -> Bool {
    if case .amountOverflow = error as? DebtCollectionError { return true }
    return false
}

@Suite("Hostile numbers in the collection rules: errors, never traps")
struct HostileNumberTests {
    @Test func checkedArithmeticNamesWhatOverflowed() throws {
        #expect(try CheckedAmount.add(1, 2, "x") == 3)
        #expect(throws: DebtCollectionError.amountOverflow("the fees")) { try CheckedAmount.add(.max, 1, "the fees") }
        #expect(throws: DebtCollectionError.amountOverflow("the paid")) {
            try CheckedAmount.subtract(.min, 1, "the paid")
        }
        #expect(throws: DebtCollectionError.amountOverflow("the sum")) {
            try CheckedAmount.sum([.max, .max, .min], "the sum")
        }
    }

    @Test func interestOnAnEnormousPrincipalIsAnOverflowError() {
        #expect(
            performing: {
                try LateInterest.calculate(
                    principal: sek(.max),
                    dueDate: date("2024-01-01"),
                    through: date("2026-06-30"),
                    table: .riksbank
                )
            },
            throws: isOverflow
        )
        #expect(
            performing: {
                try LateInterest.calculate(
                    principal: sek(100),
                    dueDate: date("2024-01-01"),
                    through: date("2024-02-01"),
                    table: .riksbank,
                    marginBasisPoints: .max
                )
            },
            throws: isOverflow
        )
    }

    @Test func rateTablesRefuseRatesOutOfRangeAndTheEnvironmentNamesThem() throws {
        #expect(throws: DebtCollectionError.self) {
            try ReferenceRateTable([.init(from: date("2026-01-01"), basisPoints: .max)])
        }
        for hostile in [
            "2026-07-01:9223372036854775807", "2027-01-01:99999999999999999999999", "9999-99-99:1", "2026-07-01",
            "2026-07-01:200,", "2026-07-15:200", "2027-01-01:200",
        ] {
            #expect(throws: ServiceSettings.InvalidSetting.self, "\(hostile)") {
                try DebtCollectionService.rates(environment: ["REFERENCE_RATES": hostile])
            }
        }
        let configured = try DebtCollectionService.rates(environment: ["REFERENCE_RATES": "2026-07-01:250"])
        #expect(configured.rate(on: date("2026-08-01")) == 250)
    }

    @Test func creditorDaysFarBeyondTheLimitAreRefused() throws {
        #expect(throws: DebtCollectionError.self) {
            try CollectionSettings(reminderDaysAfterDue: .max, collectionDaysAfterDue: nil, reminderFeeAgreed: true)
        }
        #expect(throws: DebtCollectionError.self) {
            try CollectionSettings(reminderDaysAfterDue: 5, collectionDaysAfterDue: 731, reminderFeeAgreed: true)
        }
        _ = try CollectionSettings(reminderDaysAfterDue: 365, collectionDaysAfterDue: 730, reminderFeeAgreed: true)
        #expect(CollectionSettings.manual.reminderDaysAfterDue == nil)
        #expect(CollectionSettings.manual.collectionDaysAfterDue == nil)
    }

    @Test func monthArithmeticBeyondTheCalendarIsNil() throws {
        #expect(date("2026-01-31").adding(months: 1) == date("2026-02-28"))
        #expect(date("2026-01-31").adding(months: .max) == nil)
        #expect(date("2026-01-31").adding(months: .min) == nil)
        #expect(date("2026-01-31").adding(years: .max) == nil)
        let lastMonth = try #require(CalendarDate(year: 9999, month: 12, day: 31))
        #expect(lastMonth.adding(months: 1) == nil)
    }

    @Test func preskriptionAndSurveillanceAtTheEndOfTheCalendarStopInsteadOfTrapping() throws {
        let late = try #require(CalendarDate(year: 9995, month: 6, day: 1))
        let preskription = Preskription(period: .general, claimArose: late)
        #expect(preskription.date == nil)
        #expect(!preskription.isTimeBarred(on: late) && !preskription.needsWarning(on: late))
        #expect(preskription.warningDate() == nil)

        let start = try #require(CalendarDate(year: 9999, month: 11, day: 30))
        #expect(LongTermSurveillance(startingOn: start).nextLetterDate(after: start) == nil)
        #expect(LongTermSurveillance(startingOn: start).letterDates(through: start) == [start])
        let ladder = CollectionLadder(settings: .manual, dueDate: date("2026-04-01"), debtor: .consumer)
        let history: [CollectionEvent] = [
            .enforcementDecided(on: start, proceed: false), .longTermSurveillanceStarted(on: start),
            .surveillanceLetterSent(on: start),
        ]
        #expect(ladder.next(after: history, outstanding: sek(100)) == .waiting(.beyondSupportedCalendar))
    }

    @Test func aPlanStatusWithAHostilePaymentTotalIsAnError() throws {
        let plan = try InstallmentPlan(
            balance: sek(100_000),
            dates: [date("2026-05-01"), date("2026-06-01")],
            today: date("2026-04-20")
        )
        #expect(performing: { try plan.status(paidSoFar: sek(.min), today: date("2026-05-02")) }, throws: isOverflow)
    }

    @Test func aPostponementMoreThanAYearAheadIsRefused() throws {
        let settings = try CollectionSettings(
            reminderDaysAfterDue: 5,
            collectionDaysAfterDue: 15,
            reminderFeeAgreed: true
        )
        let ladder = CollectionLadder(settings: settings, dueDate: date("2026-04-01"), debtor: .consumer)
        let today = date("2026-04-02")
        #expect(
            throws: DebtCollectionError.postponementTooFar(requested: date("2027-04-07"), latest: date("2027-04-06"))
        ) {
            try ladder.postponement(after: [], outstanding: sek(100), to: date("2027-04-07"), today: today)
        }
        #expect(
            try ladder.postponement(after: [], outstanding: sek(100), to: date("2027-04-06"), today: today)
                == .postponed(on: today, to: date("2027-04-06"))
        )
    }

    @Test func aDecodedApplicationWithHostileNumbersDescribesItselfWithoutTrapping() throws {
        let application = try EnforcementApplication.prepare(
            applicant: .init(name: "Kvitt Test AB", identity: SwedishIdentity(parsing: "556036-0793")),
            debtor: .init(name: "Anna Svensson", identity: SwedishIdentity(parsing: "19811218-9876")),
            invoiceNumber: "1001",
            capital: sek(1_000_000),
            dueDate: date("2026-04-01"),
            applicationDate: date("2026-05-11"),
            table: .riksbank,
            reminderFeeCharged: true
        )
        var object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(application)) as? [String: Any]
        )
        // Fees that sum past Int64.max while the total (capital −max, plus them) still fits, and a rate of Int.min.
        object["capital"] = ["amount": -Int64.max, "currency": "SEK"]
        object["fees"] = [
            ["kind": "collectionLetter", "amount": ["amount": Int64.max, "currency": "SEK"]],
            ["kind": "reminder", "amount": ["amount": Int64.max, "currency": "SEK"]],
        ]
        var interest = try #require(object["interest"] as? [String: Any])
        interest["amount"] = ["amount": 0, "currency": "SEK"]
        interest["annualRateBasisPoints"] = Int.min
        object["interest"] = interest
        object["total"] = ["amount": Int64.max, "currency": "SEK"]
        let hostile = try JSONDecoder().decode(
            EnforcementApplication.self,
            from: JSONSerialization.data(withJSONObject: object)
        )
        #expect(hostile.description.contains("avgifter (too large)"))
        #expect(hostile.description.contains("ränta -92233720368547758.08 %"))
    }
}

@Suite("Hostile messages to debt-collection: dead-lettered with a reason, never a trap")
struct HostileMessageTests {
    /// The dead-letter detail, when the outcome is a permanent failure.
    func permanentFailure(_ published: ServiceHarness.Published) -> String? {
        guard case .deadLetter(.permanentFailure, let detail) = published.outcome else { return nil }
        return detail
    }

    @Test func paymentsAndReleasesThatWouldOverflowAreDeadLetteredAndChangeNothing() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor())
        try await bench.harness.send(CollectionBench.issued())
        // Releasing Int64.max makes `paid` −max, and the capital outstanding 1 000 000 + max: an overflow.
        let release = try await bench.harness.send(
            PaymentAllocationReleased(paymentID: "p", invoiceID: "inv-1", amount: sek(.max), reason: "forged")
        )
        #expect(permanentFailure(release)?.contains("amount-overflow") == true, "\(release.outcome)")
        #expect(try await bench.record("inv-1")?.paid == 0)

        let first = try await bench.harness.send(
            PaymentMatched(paymentID: "p1", invoiceID: "inv-1", amount: sek(.max), matchedBy: "ocr")
        )
        #expect(first.outcome == .processed)
        let second = try await bench.harness.send(
            PaymentMatched(paymentID: "p2", invoiceID: "inv-1", amount: sek(.max), matchedBy: "ocr")
        )
        #expect(permanentFailure(second)?.contains("amount-overflow") == true, "\(second.outcome)")
        #expect(try await bench.record("inv-1")?.paid == .max)

        try await bench.harness.send(CollectionBench.issued("credited"))
        try await bench.harness.send(InvoiceCredited(invoiceID: "credited", creditInvoiceID: "c1", amount: sek(.max)))
        let again = try await bench.harness.send(
            CreditApplied(creditInvoiceID: "c2", debitInvoiceID: "credited", amount: sek(.max))
        )
        #expect(permanentFailure(again)?.contains("amount-overflow") == true, "\(again.outcome)")
    }

    @Test func negativeAmountsAndOtherCurrenciesAreDeadLettered() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor())
        try await bench.harness.send(CollectionBench.issued())
        let negative = try await bench.harness.send(
            PaymentMatched(paymentID: "p", invoiceID: "inv-1", amount: sek(-100), matchedBy: "ocr")
        )
        #expect(permanentFailure(negative)?.contains("must not be negative") == true, "\(negative.outcome)")
        let euros = try await bench.harness.send(
            InvoiceCredited(invoiceID: "inv-1", creditInvoiceID: "c", amount: Money(minorUnits: 100, .eur))
        )
        #expect(permanentFailure(euros)?.contains("EUR") == true, "\(euros.outcome)")
        let record = try #require(try await bench.record("inv-1"))
        #expect(record.paid == 0 && record.adjustments == 0)

        let negativeInvoice = try await bench.harness.send(CollectionBench.issued("minus", amount: .min))
        #expect(permanentFailure(negativeInvoice)?.contains("amountDue") == true, "\(negativeInvoice.outcome)")
        #expect(try await bench.record("minus") == nil)
    }

    @Test func creditorDaysFarBeyondTheLimitGiveManualCollection() async throws {
        let bench = try CollectionBench()
        let registered = try await bench.harness.send(CollectionBench.creditor(reminder: .max, collection: .max))
        #expect(registered.outcome == .processed)
        try await bench.harness.send(CollectionBench.issued())
        let record = try #require(try await bench.record("inv-1"))
        #expect(record.nextDate == nil && record.nextStep == nil)
        bench.setDate("2028-01-01")
        #expect(try await bench.tick().isEmpty)
    }

    @Test func aPostponementFarAheadIsRejectedOnItsField() async throws {
        let bench = try CollectionBench()
        try await bench.harness.send(CollectionBench.creditor())
        try await bench.harness.send(CollectionBench.issued())
        bench.setDate("2026-04-02")
        for target in ["2027-12-01", "2199-12-31"] {
            let moved = try await bench.harness.send(PostponeNextEvent(invoiceID: "inv-1", to: CalendarDate(target)!))
            let rejection = try #require(moved.rejection(DebtCollectionCommandRejected.self))
            #expect(rejection.errors.map(\.field) == ["to"])
            #expect(rejection.errors.first?.message.contains("too far ahead") == true)
        }
        #expect(try await bench.record("inv-1")?.nextDate == "2026-04-06")
    }
}

@Suite("GET /v1/cases query: every parameter validated")
struct CaseQueryTests {
    typealias Query = CaseRoutes.CaseListQuery

    /// The field errors a query gets, or none when it is accepted.
    func errors(_ parameters: [(name: String, value: String)]) -> [FieldError] {
        do {
            _ = try Query(parsing: parameters)
            return []
        } catch {
            return error.errors
        }
    }

    @Test func defaultsAndValidValues() throws {
        #expect(try Query(parsing: []) == Query())
        let query = try Query(parsing: [("status", "held"), ("limit", "10"), ("offset", "20")])
        #expect(query.status == .held && query.limit == 10 && query.offset == 20)
        #expect(try Query(parsing: [("limit", "5000")]).limit == 5000)
        #expect(try Query(parsing: [("status", "closed")]).status == .closed)
    }

    @Test func malformedAndOutOfRangeValuesNameTheirField() {
        for value in ["", "Open", "bogus", "open;DROP TABLE"] {
            #expect(errors([("status", value)]).map(\.field) == ["status"], "status=\(value)")
        }
        for value in ["0", "-1", "5001", "abc", "1.5", " 1", "99999999999999999999999"] {
            #expect(errors([("limit", value)]).map(\.field) == ["limit"], "limit=\(value)")
        }
        for value in ["-1", "x", "-9223372036854775808", "99999999999999999999999"] {
            #expect(errors([("offset", value)]).map(\.field) == ["offset"], "offset=\(value)")
        }
        #expect(errors([("status", "bogus")]).first?.message == "must be one of open, closed, held")
    }

    @Test func unknownAndRepeatedParametersAreRefusedAndEveryProblemIsListed() {
        #expect(errors([("colour", "red")]).map(\.field) == ["colour"])
        #expect(errors([("colour", "red")]).first?.message.contains("unknown parameter") == true)
        #expect(errors([("status", "open"), ("status", "closed")]).map(\.message) == ["given more than once"])
        #expect(
            errors([("status", "x"), ("limit", "0"), ("foo", "1")]).map(\.field).sorted() == ["foo", "limit", "status"]
        )
        let long = String(repeating: "n", count: 10_000)
        #expect(errors([(long, "1")]).first?.field.count == CaseRoutes.maximumNameEchoed + 1)
        #expect(
            CaseRoutes.unknownOrRepeated([("x", "1")], known: []).first?.message
                == "unknown parameter; this path takes no parameters"
        )
    }
}
