import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Invoicing

/// The price list, the platform fee of every chargeable act and the monthly statement, on invoicing's real handlers.
@Suite("Price list and platform fees")
struct PricesTests {
    static func sek(_ ore: Int64) -> Money { Money(minorUnits: ore, .sek) }

    /// A harness with the creditor `acme` registered.
    static func harness() async throws -> InvoicingHarness {
        let harness = try InvoicingHarness()
        try await harness.send(InvoicingHarness.creditor())
        return harness
    }

    /// Sends a message whose envelope carries `timestamp` (the act's time), through the real processor.
    static func send<M: KvittMessage>(
        _ message: M,
        id: String = UUID().uuidString,
        at timestamp: Date,
        to harness: InvoicingHarness
    ) async throws -> ProcessingOutcome {
        var incoming = try InMemoryBus.incoming(message, messageID: id)
        incoming.timestamp = timestamp
        return await harness.harness.processor.process([incoming])[0]
    }

    static func fees(_ harness: InvoicingHarness) async throws -> [PlatformFeeRecord] {
        try await harness.store.writer.read { db in
            try PlatformFeeRecord.fetchAll(db, sql: "SELECT * FROM platform_fee ORDER BY rowid")
        }
    }

    /// Every platform-fee event in the outbox, in order.
    static func feeEvents(_ harness: InvoicingHarness) async throws -> [CreditorPlatformFeeCharged] {
        try await harness.store.writer.read { db in
            try Data.fetchAll(
                db,
                sql: "SELECT body FROM kvitt_outbox WHERE type = ? ORDER BY id",
                arguments: [CreditorPlatformFeeCharged.messageType.rawValue]
            )
            .map { try MessageCoding.decode(CreditorPlatformFeeCharged.self, from: [UInt8]($0)) }
        }
    }

    static func priceList(_ harness: InvoicingHarness, at instant: Date = Date()) async throws -> [StandingPrice] {
        try await harness.store.writer.read { db in try PriceStore.priceList(creditorID: "acme", at: instant, db) }
    }

    static func issuedInvoice(_ harness: InvoicingHarness, externalID: String = "ext-1") async throws -> InvoiceCreated
    {
        let created = try #require(
            try await harness.send(InvoicingHarness.invoice(externalID: externalID)).first(InvoiceCreated.self)
        )
        try await harness.send(AttestInvoice(invoiceID: created.invoiceID))
        return created
    }

    @Test func everyServiceHasADefaultWithinTheMaximumAndAFreshCreditorHasOnlyDefaults() async throws {
        for service in ChargeableService.allCases {
            #expect((0...PriceList.maximumPrice).contains(PriceList.defaultPrice(service)), "\(service)")
        }
        let list = try await Self.priceList(try await Self.harness())
        #expect(list.map(\.service) == ChargeableService.allCases)
        #expect(list.allSatisfy { $0.source == .default && $0.price == PriceList.defaultPrice($0.service) })
    }

    @Test func setPricesReplaceOnlyTheNamedServicesAndAreReported() async throws {
        let harness = try await Self.harness()
        let published = try await harness.send(
            SetCreditorPrices(
                creditorID: "acme",
                prices: [.init(.reminder, Self.sek(1_250)), .init(.invoice, Self.sek(0))]
            )
        )
        let event = try #require(try published.first(CreditorPricesSet.self))
        #expect(
            event.prices == [
                .init(service: .invoice, price: Self.sek(0)), .init(service: .reminder, price: Self.sek(1_250)),
            ]
        )
        let list = try await Self.priceList(harness)
        for entry in list {
            switch entry.service {
            case .reminder: #expect(entry == StandingPrice(service: .reminder, price: 1_250, source: .creditor))
            case .invoice: #expect(entry == StandingPrice(service: .invoice, price: 0, source: .creditor))
            default: #expect(entry.source == .default && entry.price == PriceList.defaultPrice(entry.service))
            }
        }
    }

    @Test func aBadSetPricesCommandIsRejectedNamingEachFieldAndChangesNothing() async throws {
        let harness = try await Self.harness()
        let rejected = try await harness.send(
            SetCreditorPrices(
                creditorID: "acme",
                prices: [
                    .init(service: "faxing", price: Self.sek(100)),
                    .init(.reminder, Self.sek(-1)),
                    .init(.collectionLetter, Self.sek(PriceList.maximumPrice + 1)),
                    .init(.claimFile, Money(minorUnits: 100, .eur)),
                    .init(.reminder, Self.sek(100)),
                ]
            )
        )
        #expect(
            rejected.rejectedFields == [
                "prices[0].service", "prices[1].price.amount", "prices[2].price.amount", "prices[3].price.currency",
                "prices[4].service",
            ]
        )
        #expect(try rejected.first(CreditorPricesSet.self) == nil)
        #expect(try await Self.priceList(harness).allSatisfy { $0.source == .default })

        let unknownCreditor = try await harness.send(
            SetCreditorPrices(creditorID: "nobody", prices: [.init(.reminder, Self.sek(100))])
        )
        #expect(unknownCreditor.rejectedFields == ["creditorID"])
        let empty = try await harness.send(SetCreditorPrices(creditorID: "acme", prices: []))
        #expect(empty.rejectedFields == ["prices"])
        let atMaximum = try await harness.send(
            SetCreditorPrices(creditorID: "acme", prices: [.init(.reminder, Self.sek(PriceList.maximumPrice))])
        )
        #expect(atMaximum.rejection == nil)
    }

    @Test func anIssuedInvoiceIsChargedOnceAtTheCreditorsPrice() async throws {
        let harness = try await Self.harness()
        try await harness.send(SetCreditorPrices(creditorID: "acme", prices: [.init(.invoice, Self.sek(425))]))
        let created = try #require(
            try await harness.send(InvoicingHarness.invoice()).first(InvoiceCreated.self)
        )
        let attest = AttestInvoice(invoiceID: created.invoiceID)
        let published = try await harness.send(attest, id: "attest-1")
        let fee = try #require(try published.first(CreditorPlatformFeeCharged.self))
        #expect(fee.service == .invoice && fee.amount == Self.sek(425) && fee.priceSource == .creditor)
        #expect(fee.invoiceID == created.invoiceID && fee.creditorID == "acme")
        #expect(fee.actType == InvoiceIssued.messageType)
        #expect(
            published.types == [InvoiceIssued.messageType.rawValue, CreditorPlatformFeeCharged.messageType.rawValue]
        )

        // The same attest again (redelivered), and a new attest of the issued invoice (rejected): no second fee.
        #expect(try await harness.send(attest, id: "attest-1").outcome == .duplicate)
        #expect(try await harness.send(attest, id: "attest-2").rejection != nil)
        #expect(try await Self.feeEvents(harness) == [fee])
    }

    @Test func aCreditInvoiceIsNotChargedAsAnInvoice() async throws {
        let harness = try await Self.harness()
        let original = try await Self.issuedInvoice(harness)
        let credit = try #require(
            try await harness.send(CreateCreditInvoice(originalInvoiceID: original.invoiceID, externalID: "k-1"))
                .first(InvoiceCreated.self)
        )
        let published = try await harness.send(AttestInvoice(invoiceID: credit.invoiceID))
        #expect(try published.first(InvoiceIssued.self) != nil)
        #expect(try published.first(CreditorPlatformFeeCharged.self) == nil)
        #expect(try await Self.fees(harness).count == 1)
    }

    @Test func aReminderIsChargedOnceEvenWhenItsEventComesAgainAfterTheInboxForgotIt() async throws {
        let harness = try await Self.harness()
        let invoice = try await Self.issuedInvoice(harness)
        try await harness.send(SetCreditorPrices(creditorID: "acme", prices: [.init(.reminder, Self.sek(1_250))]))
        let reminder = ReminderSent(
            invoiceID: invoice.invoiceID,
            on: CalendarDate("2026-04-10")!,
            outstanding: Self.sek(1)
        )
        let published = try await harness.send(reminder, id: "reminder-1")
        let fee = try #require(try published.first(CreditorPlatformFeeCharged.self))
        #expect(fee.service == .reminder && fee.amount == Self.sek(1_250) && fee.on == CalendarDate("2026-04-10"))
        #expect(fee.actMessageID == "reminder-1" && fee.actType == ReminderSent.messageType)

        #expect(try await harness.send(reminder, id: "reminder-1").outcome == .duplicate)
        // Past the inbox's retention the runtime no longer knows the id; the fee table still does.
        try await harness.store.writer.write { db in try db.execute(sql: "DELETE FROM kvitt_inbox") }
        #expect(try await harness.send(reminder, id: "reminder-1").outcome == .processed)
        #expect(try await Self.fees(harness).filter { $0.service == "reminder" }.count == 1)
        #expect(try await Self.feeEvents(harness).filter { $0.service == .reminder } == [fee])

        // Another reminder is another act.
        try await harness.send(reminder, id: "reminder-2")
        #expect(try await Self.fees(harness).filter { $0.service == "reminder" }.count == 2)
    }

    @Test func eachCollectionStepClaimFileAndDeliveryIsChargedAsItsService() async throws {
        let harness = try await Self.harness()
        let invoice = try await Self.issuedInvoice(harness)
        let id = invoice.invoiceID
        let day = CalendarDate("2026-05-04")!
        let outstanding = Self.sek(100)
        try await harness.send(CollectionLetterSent(invoiceID: id, on: day, outstanding: outstanding))
        try await harness.send(InstallmentPlanCreated(invoiceID: id, on: day, outstanding: outstanding))
        try await harness.send(EnforcementApplicationPrepared(invoiceID: id, on: day, outstanding: outstanding))
        try await harness.send(SurveillanceLetterSent(invoiceID: id, on: day, outstanding: outstanding))
        let claimFile = ClaimFileGenerated(
            fileID: "file-1",
            creditorID: "acme",
            kind: "rot",
            year: 2026,
            name: "ROT 2026",
            downloadPath: "/v1/claim-files/file-1",
            deadline: CalendarDate("2027-01-31")!,
            claims: []
        )
        let claimed = try #require(try await harness.send(claimFile).first(CreditorPlatformFeeCharged.self))
        #expect(claimed.service == .claimFile && claimed.claimFileID == "file-1" && claimed.invoiceID == nil)
        let deliveries: [(DocumentKind, DeliveryChannel)] = [
            (.invoice, .print), (.creditInvoice, .email), (.invoice, .peppol), (.reminder, .print), (.reminder, .email),
            (.collectionLetter, .email),
        ]
        for (kind, channel) in deliveries {
            try await harness.send(
                DocumentDelivered(
                    documentID: "\(kind.rawValue)-\(channel.rawValue)",
                    invoiceID: id,
                    kind: kind,
                    channel: channel,
                    on: day,
                    attempts: 1
                )
            )
        }
        let services = try await Self.fees(harness).map(\.service)
        #expect(
            services == [
                "invoice", "collection-letter", "installment-plan", "enforcement-application", "surveillance-quarter",
                "claim-file", "invoice-by-post", "invoice-by-email", "invoice-by-e-invoice", "letter-by-post",
            ]
        )
        #expect(try await Self.feeEvents(harness).allSatisfy { $0.priceSource == .default })
        #expect(
            try await Self.feeEvents(harness).first { $0.service == .surveillanceQuarter }?.amount == Self.sek(9_900)
        )
    }

    @Test func anActIsPricedAtThePriceThatStoodWhenItHappened() async throws {
        let harness = try await Self.harness()
        let invoice = try await Self.issuedInvoice(harness)
        // The harness's clock (2026-03-02 09:00) dates the new price; acts are dated by their event's timestamp.
        let priceSetAt = harness.harness.clock.now()
        try await harness.send(SetCreditorPrices(creditorID: "acme", prices: [.init(.reminder, Self.sek(2_000))]))
        let reminder = ReminderSent(
            invoiceID: invoice.invoiceID,
            on: CalendarDate("2026-03-01")!,
            outstanding: Self.sek(1)
        )
        _ = try await Self.send(reminder, id: "before", at: priceSetAt.addingTimeInterval(-3_600), to: harness)
        _ = try await Self.send(reminder, id: "after", at: priceSetAt.addingTimeInterval(60), to: harness)
        let charged = try await Self.feeEvents(harness).filter { $0.service == .reminder }
        #expect(charged.map(\.actMessageID) == ["before", "after"])
        #expect(charged.map(\.amount) == [Self.sek(PriceList.defaultPrice(.reminder)), Self.sek(2_000)])
        #expect(charged.map(\.priceSource) == [.default, .creditor])
    }

    @Test func anActOfAnUnknownInvoiceOrCreditorIsParked() async throws {
        let harness = try await Self.harness()
        let reminder = ReminderSent(
            invoiceID: "no-such-invoice",
            on: CalendarDate("2026-03-01")!,
            outstanding: Self.sek(1)
        )
        let outcome = try await harness.send(reminder).outcome
        guard case .deadLetter(_, let detail) = outcome else {
            Issue.record("not parked: \(outcome)")
            return
        }
        #expect(detail.contains("unknown-invoice"))
        let file = ClaimFileGenerated(
            fileID: "f",
            creditorID: "nobody",
            kind: "rut",
            year: 2026,
            name: "RUT",
            downloadPath: "/v1/claim-files/f",
            deadline: CalendarDate("2027-01-31")!,
            claims: []
        )
        guard case .deadLetter(_, let fileDetail) = try await harness.send(file).outcome else {
            Issue.record("a claim file of an unknown creditor was not parked")
            return
        }
        #expect(fileDetail.contains("unknown-creditor"))
        #expect(try await Self.fees(harness).count == 0)
    }

    @Test func theStatementSumsTheMonthPerServiceAndPrice() async throws {
        let harness = try await Self.harness()
        let invoice = try await Self.issuedInvoice(harness)
        let issuedMonth = String(CalendarDate.today(at: harness.harness.clock.now()).description.prefix(7))
        let reminder = { (day: String) in
            ReminderSent(invoiceID: invoice.invoiceID, on: CalendarDate(day)!, outstanding: Self.sek(1))
        }
        // Two reminders at the default, then two at the creditor's new price, one in the next month.
        let start = harness.harness.clock.now()
        _ = try await Self.send(reminder("2026-04-01"), at: start.addingTimeInterval(-10), to: harness)
        _ = try await Self.send(reminder("2026-04-02"), at: start.addingTimeInterval(-10), to: harness)
        try await harness.send(SetCreditorPrices(creditorID: "acme", prices: [.init(.reminder, Self.sek(1_250))]))
        _ = try await Self.send(reminder("2026-04-30"), at: start.addingTimeInterval(10), to: harness)
        _ = try await Self.send(reminder("2026-05-01"), at: start.addingTimeInterval(10), to: harness)

        let april = try await harness.store.writer.read { db in
            try StatementView(
                creditorID: "acme",
                month: "2026-04",
                fees: try PriceStore.fees(creditorID: "acme", month: "2026-04", db)
            )
        }
        let standard = PriceList.defaultPrice(.reminder)
        #expect(april.lines.map(\.service) == ["reminder", "reminder"])
        #expect(april.lines.map(\.unitPrice) == [Self.sek(standard), Self.sek(1_250)])
        #expect(april.lines.map(\.count) == [2, 1])
        #expect(april.lines.map(\.total) == [Self.sek(2 * standard), Self.sek(1_250)])
        #expect(april.total == Self.sek(1_250 + 2 * standard))
        #expect(april.fees.map(\.on) == ["2026-04-01", "2026-04-02", "2026-04-30"])
        let issued = try await harness.store.writer.read { db in
            try StatementView(
                creditorID: "acme",
                month: issuedMonth,
                fees: try PriceStore.fees(creditorID: "acme", month: issuedMonth, db)
            )
        }
        #expect(issued.lines.map(\.service) == ["invoice"])
        #expect(issued.total == Self.sek(PriceList.defaultPrice(.invoice)))
    }

    @Test func aStatementBeyondWhatAnAmountHoldsIsRefusedNotTrapped() throws {
        let fee = PlatformFeeRecord(
            actMessageID: "a",
            feeMessageID: "f",
            creditorID: "acme",
            service: "reminder",
            amount: Int64.max / 2 + 1,
            priceSource: "creditor",
            actType: ReminderSent.messageType.rawValue,
            actDate: "2026-04-01",
            month: "2026-04",
            invoiceID: nil,
            claimFileID: nil,
            chargedAt: 0
        )
        #expect(throws: StatementView.Overflow.self) {
            try StatementView(creditorID: "acme", month: "2026-04", fees: [fee, fee])
        }
    }

    @Test(arguments: [
        "2026-13", "2026-00", "2026-4", "26-04", "2026/04", "1899-12", "2200-01", "2026-04-01", "", "２０２６-04",
    ])
    func aMalformedMonthIsRefusedNamingIt(_ text: String) {
        do {
            _ = try StatementMonth(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.problem.parameter == "month")
        }
    }

    @Test func aMonthIsAccepted() throws {
        #expect(try StatementMonth(parsing: "2026-04").text == "2026-04")
        #expect(try StatementMonth(parsing: "1900-01").text == "1900-01")
        #expect(try StatementMonth(parsing: "2199-12").text == "2199-12")
    }
}
