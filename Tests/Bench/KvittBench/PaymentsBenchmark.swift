import Foundation
import GRDB
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Logging

/// Drives the real `payment-matching` executable through the broker: issues invoices as invoicing would, pays them
/// with BgMax files, and times the settlement by the invoice-paid events it publishes.
struct PaymentsBenchmark {
    let url: AMQPURL
    let logger: Logger
    static let bankgiro = "50501055"

    /// A running payment-matching process on its own exchange and database.
    struct Service {
        let process: Process
        let exchange: String
        /// Queues of its own (`SERVICE_NAME`), so that no earlier run's queue with other arguments is in the way.
        let name: String
        let database: String
        let port: Int
    }

    func launch(database: String, exchange: String) async throws -> Service {
        let port = TestBroker.freePort()
        let name = TestBroker.uniqueName("bench-payment-matching")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("payment-matching")
        process.environment = [
            "AMQP_URL": url.environmentValue, "AMQP_EXCHANGE": exchange,
            "AMQP_DEAD_LETTER_EXCHANGE": "\(exchange).dead-letter", "DATABASE_PATH": database, "HTTP_PORT": "\(port)",
            "LOG_LEVEL": "error", "BATCH_SIZE": "300", "AMQP_PREFETCH": "300", "SERVICE_NAME": name,
        ]
        try process.run()
        let ready = await TestBroker.eventually {
            await HTTPProbe.get(port: port, path: "/health/ready")?.status == 200
        }
        guard ready else { throw CocoaError(.executableLoad) }
        return Service(process: process, exchange: exchange, name: name, database: database, port: port)
    }

    func stop(_ service: Service) async {
        service.process.terminate()
        service.process.waitUntilExit()
        await TestBroker.cleanUp(
            services: [service.name],
            exchanges: [service.exchange, "\(service.exchange).dead-letter"],
            on: url
        )
    }

    /// The OCR reference of invoice number `n` (hard control).
    static func ocr(_ number: Int) -> String {
        (try? OCRReference.make(from: String(number), for: .hard).canonical) ?? ""
    }

    /// Payments settled per second: N invoices issued, then paid by BgMax files of 5,000 payments.
    func settlement(payments: Int) async throws -> Double {
        let folder = try TestBroker.temporaryDirectory()
        let service = try await launch(
            database: folder.appendingPathComponent("pm.sqlite").path,
            exchange: TestBroker.uniqueName("bench")
        )
        let publisher = AMQPPublisher(url: url, options: .init(connectionName: "bench-upstream"), logger: logger)
        try await publisher.waitUntilConnected()
        let issued = (0..<payments).map { Self.issued(number: 100_000 + $0) }
        for chunk in stride(from: 0, to: issued.count, by: 5_000) {
            let batch = try issued[chunk..<min(chunk + 5_000, issued.count)].map {
                try Self.message($0, exchange: service.exchange)
            }
            for result in await publisher.publish(batch: batch) { try result.get() }
        }
        try await waitFor(database: service.database, sql: "SELECT COUNT(*) FROM receivable", count: payments)

        let recorder = try await EventRecorder(exchange: service.exchange, patterns: [InvoicePaid.messageType.rawValue])
        let files = stride(from: 0, to: payments, by: 5_000).map { start in
            Self.bgmax(
                numbers: Array((100_000 + start)..<(100_000 + min(start + 5_000, payments))),
                serial: start / 5_000 + 1
            )
        }
        let started = ContinuousClock.now
        for file in files {
            try await publisher.publish(try Self.message(ImportBankgiroFile(latin1: file), exchange: service.exchange))
        }
        try await waitUntil("\(payments) invoice-paid events") { recorder.deliveries.count >= payments }
        let elapsed = ContinuousClock.now - started
        await recorder.stop()
        await publisher.stop()
        await stop(service)
        try? FileManager.default.removeItem(at: folder)
        return Double(payments) / elapsed.seconds
    }

    /// Microseconds per payment to settle `payments` payments while `openReceivables` invoices are open: the
    /// receivables are written straight into the service's database (as if issued earlier), then paid by BgMax.
    func matchingCost(openReceivables: Int, payments: Int) async throws -> Double {
        let folder = try TestBroker.temporaryDirectory()
        let database = folder.appendingPathComponent("pm.sqlite").path
        let exchange = TestBroker.uniqueName("bench")
        // Start once so that the service creates its schema, then fill it while it is stopped.
        await stop(try await launch(database: database, exchange: exchange))
        let pool = try DatabasePool(path: database)
        try await pool.write { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO receivable (invoiceID, creditorID, invoiceNumber, ocr, payeeBankgiro, currency, amountDue,
                        adjustments, reconcilableFromBankgiro, dueDate, debtorName)
                    VALUES (?, 'bench', ?, ?, ?, 'SEK', 100000, 0, 1, '2026-04-01', 'Kund AB')
                    """
            )
            for index in 0..<openReceivables {
                let number = 100_000 + index
                try insert.execute(arguments: ["inv-\(number)", String(number), Self.ocr(number), Self.bankgiro])
            }
        }
        try pool.close()
        let service = try await launch(database: database, exchange: exchange)
        let publisher = AMQPPublisher(url: url, options: .init(connectionName: "bench-upstream"), logger: logger)
        try await publisher.waitUntilConnected()
        let recorder = try await EventRecorder(exchange: exchange, patterns: [InvoicePaid.messageType.rawValue])
        // Pay invoices spread over the whole range, so that lookups touch the whole index.
        let step = max(1, openReceivables / payments)
        let numbers = (0..<payments).map { 100_000 + $0 * step }
        let files = stride(from: 0, to: payments, by: 5_000).map {
            Self.bgmax(numbers: Array(numbers[$0..<min($0 + 5_000, payments)]), serial: $0 / 5_000 + 1)
        }
        let started = ContinuousClock.now
        for file in files {
            try await publisher.publish(try Self.message(ImportBankgiroFile(latin1: file), exchange: exchange))
        }
        try await waitUntil("\(payments) invoice-paid events") { recorder.deliveries.count >= payments }
        let elapsed = ContinuousClock.now - started
        await recorder.stop()
        await publisher.stop()
        await stop(service)
        try? FileManager.default.removeItem(at: folder)
        return elapsed.seconds * 1_000_000 / Double(payments)
    }

    func waitFor(database: String, sql: String, count: Int) async throws {
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        let pool = try DatabasePool(path: database, configuration: configuration)
        try await waitUntil("\(count) rows for \(sql)", interval: .milliseconds(20)) {
            try await pool.read({ db in try Int.fetchOne(db, sql: sql) ?? 0 }) >= count
        }
        try pool.close()
    }

    static func issued(number: Int) -> InvoiceIssued {
        let ocr = ocr(number)
        let amount = Money(minorUnits: 100_000, .sek)
        return InvoiceIssued(
            invoiceID: "inv-\(number)",
            creditorID: "bench",
            invoiceNumber: String(number),
            ocr: ocr,
            kind: "debit",
            invoiceDate: CalendarDate("2026-03-02")!,
            dueDate: CalendarDate("2026-04-01")!,
            total: amount,
            taxReduction: .zero(.sek),
            amountDue: amount,
            debtor: Debtor(kind: "company", name: "Kund AB"),
            paymentMeans: .init(
                kind: "bankgiro-ocr",
                bankgiro: "5050-1055",
                reference: ocr,
                reconcilableFromBankgiro: true
            )
        )
    }

    static func message<M: KvittMessage>(_ payload: M, exchange: String) throws -> AMQPOutgoingMessage {
        AMQPOutgoingMessage(
            exchange: exchange,
            routingKey: M.messageType.rawValue,
            properties: AMQPProperties(envelope: MessageEnvelope(type: M.messageType, appID: "bench")),
            body: try MessageCoding.encode(payload)
        )
    }

    /// A BgMax file paying each invoice number's OCR in full (1 000 kr), one deposit.
    static func bgmax(numbers: [Int], serial: Int) -> [UInt8] {
        BgMaxBuilder.file(deposits: [
            .init(
                bankgiro: bankgiro,
                date: "20260320",
                serial: String(serial),
                records: numbers.enumerated().map { index, number in
                    BgMaxBuilder.payment(reference: ocr(number), amount: 100_000, code: 2, serial: String(index + 1))
                }
            )
        ])
    }
}
