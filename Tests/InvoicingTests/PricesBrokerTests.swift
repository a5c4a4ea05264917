import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

@testable import Invoicing

/// The price list, platform fees and statement of the invoicing service built by the real host, driven through the
/// real broker: prices set by command and read over HTTP, an invoice and a reminder each charged once (the reminder
/// delivered twice), the month's statement, and the refusals.
@Suite("Prices and platform fees through the real broker")
struct PricesBrokerTests {
    let logger = TestBroker.logger("invoicing-prices")

    struct PriceListBody: Decodable {
        struct Entry: Decodable {
            let service: String
            let price: Money
            let source: String
            let defaultPrice: Money
        }
        let creditorID: String
        let prices: [Entry]
    }

    struct StatementBody: Decodable {
        struct Line: Decodable, Equatable {
            let service: String
            let unitPrice: Money
            let count: Int
            let total: Money
        }
        struct Fee: Decodable {
            let service: String
            let amount: Money
            let actMessageID: String
        }
        let month: String
        let lines: [Line]
        let total: Money
        let fees: [Fee]
    }

    func read<Body: Decodable>(_ type: Body.Type, _ service: InProcessService, _ path: String) async throws -> Body {
        let answer = try #require(await HTTPProbe.get(port: service.port, path: path, timeout: 15), "\(path)")
        try #require(answer.status == 200, "\(path): \(answer.status) \(answer.body)")
        return try MessageCoding.decode(Body.self, from: Array(answer.body.utf8))
    }

    @Test func pricesFeesAndTheMonthlyStatement() async throws {
        let service = try await InProcessService.start(InvoicingService.definition, logger: logger)
        let recorder = try await EventRecorder(exchange: service.exchange, patterns: ["invoicing.#"])
        let publisher = AMQPPublisher(url: TestBroker.url, options: TestBroker.options("upstream"), logger: logger)
        let sek = { (ore: Int64) in Money(minorUnits: ore, .sek) }

        try await publisher.publish(service.message(InvoicingHarness.creditor()))
        #expect(await recorder.wait(for: CreditorRegistered.self) != nil)

        // Defaults, each saying so.
        let defaults = try await read(PriceListBody.self, service, "/v1/creditors/acme/prices")
        #expect(defaults.prices.map(\.service) == ChargeableService.allCases.map(\.rawValue))
        #expect(defaults.prices.allSatisfy { $0.source == "default" && $0.price == $0.defaultPrice })
        #expect(defaults.prices.first { $0.service == "reminder" }?.price == sek(PriceList.defaultPrice(.reminder)))
        #expect(
            await HTTPProbe.get(port: service.port, path: "/v1/creditors/nobody/prices", timeout: 15)?.status == 404
        )

        // The creditor's own prices for invoices and reminders.
        try await publisher.publish(
            service.message(
                SetCreditorPrices(
                    creditorID: "acme",
                    prices: [.init(.invoice, sek(425)), .init(.reminder, sek(1_250))]
                )
            )
        )
        #expect(await recorder.wait(for: CreditorPricesSet.self) != nil)
        let own = try await read(PriceListBody.self, service, "/v1/creditors/acme/prices")
        let invoicePrice = try #require(own.prices.first { $0.service == "invoice" })
        #expect(invoicePrice.price == sek(425) && invoicePrice.source == "creditor")
        let reminderPrice = try #require(own.prices.first { $0.service == "reminder" })
        #expect(reminderPrice.price == sek(1_250) && reminderPrice.source == "creditor")
        #expect(reminderPrice.defaultPrice == sek(PriceList.defaultPrice(.reminder)))
        #expect(own.prices.filter { $0.source == "default" }.count == ChargeableService.allCases.count - 2)

        // An issued invoice: one fee at the creditor's price.
        try await publisher.publish(service.message(InvoicingHarness.invoice(externalID: "order-1")))
        let created = try #require(await recorder.wait(for: InvoiceCreated.self))
        try await publisher.publish(service.message(AttestInvoice(invoiceID: created.invoiceID)))
        let invoiceFee = try #require(
            await recorder.wait(for: CreditorPlatformFeeCharged.self) { $0.service == .invoice }
        )
        #expect(invoiceFee.amount == sek(425) && invoiceFee.priceSource == .creditor)
        #expect(invoiceFee.invoiceID == created.invoiceID)

        // A reminder, delivered twice with the same message id (as after a lost acknowledgement): one fee.
        let today = CalendarDate.today(at: Date())
        let reminder = ReminderSent(invoiceID: created.invoiceID, on: today, outstanding: created.totals.total)
        try await publisher.publish(service.message(reminder, id: "reminder-act-1"))
        try await publisher.publish(service.message(reminder, id: "reminder-act-1"))
        let reminderFee = try #require(
            await recorder.wait(for: CreditorPlatformFeeCharged.self) { $0.service == .reminder }
        )
        #expect(reminderFee.amount == sek(1_250) && reminderFee.actMessageID == "reminder-act-1")
        #expect(reminderFee.actType == ReminderSent.messageType && reminderFee.on == today)

        // A bad set-prices command: rejected naming the fields, prices unchanged.
        try await publisher.publish(
            service.message(
                SetCreditorPrices(
                    creditorID: "acme",
                    prices: [.init(service: "faxing", price: sek(1)), .init(.reminder, sek(-100))]
                ),
                id: "bad-prices"
            )
        )
        let rejected = try #require(
            await recorder.wait(for: InvoicingCommandRejected.self) { $0.rejection.commandID == "bad-prices" }
        )
        #expect(rejected.rejection.errors.map(\.field) == ["prices[0].service", "prices[1].price.amount"])

        // The month's statement; by now the duplicate reminder has long been handled (it came before the bad command).
        let month = String(today.description.prefix(7))
        let statement = try await read(StatementBody.self, service, "/v1/creditors/acme/statements/\(month)")
        #expect(
            statement.lines == [
                .init(service: "invoice", unitPrice: sek(425), count: 1, total: sek(425)),
                .init(service: "reminder", unitPrice: sek(1_250), count: 1, total: sek(1_250)),
            ]
        )
        #expect(statement.total == sek(1_675))
        #expect(statement.fees.map(\.actMessageID).contains("reminder-act-1"))
        #expect(recorder.messages(CreditorPlatformFeeCharged.self).count == 2)
        let unchanged = try await read(PriceListBody.self, service, "/v1/creditors/acme/prices")
        #expect(unchanged.prices.first { $0.service == "reminder" }?.price == sek(1_250))

        // A bad month: 400 naming it.
        for path in ["/v1/creditors/acme/statements/2026-13", "/v1/creditors/acme/statements/april"] {
            let answer = try #require(await HTTPProbe.get(port: service.port, path: path, timeout: 15))
            #expect(answer.status == 400, "\(path): \(answer.body)")
            let body = try? JSONDecoder().decode(BadRequestBody.self, from: Data(answer.body.utf8))
            #expect(body?.error.field == "month", "\(path): \(answer.body)")
        }
        #expect(
            await HTTPProbe.get(port: service.port, path: "/v1/creditors/nobody/statements/\(month)", timeout: 15)?
                .status == 404
        )

        await publisher.stop()
        await recorder.stop()
        try await service.stop()
    }
}
