import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Logging
import Synchronization

/// The four real executables as an operator runs them: start-up time to ready, resident memory at rest and under
/// load, and end-to-end latency from register-payment to invoice-paid under a steady, moderate load.
struct SystemBenchmark {
    let url: AMQPURL
    let logger: Logger

    struct Result {
        var startup: [String: Duration] = [:]
        var restingKiB: [String: Int] = [:]
        var loadedKiB: [String: Int] = [:]
        var latencies: [Duration] = []
        var rate = 0

        func percentile(_ fraction: Double) -> Duration {
            let sorted = latencies.sorted()
            guard !sorted.isEmpty else { return .zero }
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
        }
    }

    /// Issues `payments` invoices (as invoice-issued events), then pays each with one register-payment at `rate`
    /// per second and times each until its invoice-paid event arrives.
    func run(payments: Int, rate: Int) async throws -> Result {
        var result = Result()
        result.rate = rate
        let exchange = TestBroker.uniqueName("bench-system")
        let processes = ServiceProcesses(
            executables: ["invoicing", "payment-matching", "debt-collection", "tax-reduction"],
            exchange: exchange,
            folder: try TestBroker.temporaryDirectory(),
            broker: url,
            environment: ["LOG_LEVEL": "error"]
        )
        do {
            return try await measure(processes, exchange: exchange, payments: payments, result: result)
        } catch {
            await processes.terminateAll()
            throw error
        }
    }

    private func measure(
        _ processes: ServiceProcesses,
        exchange: String,
        payments: Int,
        result: Result
    ) async throws -> Result {
        var result = result
        let rate = result.rate
        for executable in processes.services.keys.sorted() {
            let started = ContinuousClock.now
            try await processes.start(executable)
            result.startup[executable] = ContinuousClock.now - started
        }
        try await Task.sleep(for: .seconds(1))
        for executable in processes.services.keys {
            result.restingKiB[executable] = Self.residentKiB(processes, executable)
        }

        let publisher = AMQPPublisher(url: url, options: .init(connectionName: "bench-latency"), logger: logger)
        try await publisher.waitUntilConnected()
        let numbers = (0..<payments).map { 200_000 + $0 }
        for start in stride(from: 0, to: payments, by: 5_000) {
            let batch = try numbers[start..<min(start + 5_000, payments)].map {
                try PaymentsBenchmark.message(PaymentsBenchmark.issued(number: $0), exchange: exchange)
            }
            for outcome in await publisher.publish(batch: batch) { try outcome.get() }
        }
        let receivables = processes.port("payment-matching")
        let opened = await TestBroker.eventually(timeout: .seconds(120)) {
            let body = await HTTPProbe.get(port: receivables, path: "/v1/receivables/inv-\(numbers.last!)")
            return body?.status == 200
        }
        guard opened else { throw BenchFailure("payment-matching did not open the receivables") }

        let arrivals = ArrivalClock()
        let queue = TestBroker.uniqueName("bench-latency-paid")
        let consumer = AMQPConsumer(
            url: url,
            options: .init(connectionName: "bench-latency-paid"),
            topology: AMQPTopology(
                queues: [AMQPQueue(name: queue, durable: false)],
                bindings: [AMQPBinding(queue: queue, exchange: exchange, routingKey: InvoicePaid.messageType.rawValue)]
            ),
            queues: [queue],
            prefetch: 500,
            logger: logger
        )
        try await consumer.waitUntilConnected()
        let receiving = Task {
            for await batch in consumer.batches {
                let now = ContinuousClock.now
                for delivery in batch.flatMap({ (try? $0.unbundled()) ?? [$0] }) {
                    if let paid = try? MessageCoding.decode(InvoicePaid.self, from: delivery.body) {
                        arrivals.arrived(paid.invoiceID, at: now)
                    }
                }
                consumer.ack(batch.last!, multiple: true)
                if arrivals.count >= payments { break }
            }
        }
        let sampling = Task {
            var peak: [String: Int] = [:]
            while !Task.isCancelled {
                for executable in processes.services.keys {
                    peak[executable] = max(peak[executable] ?? 0, Self.residentKiB(processes, executable))
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return peak
        }

        let interval = Duration.seconds(1) / rate
        let began = ContinuousClock.now
        let today = CalendarDate.today(at: Date())
        for (index, number) in numbers.enumerated() {
            try await Task.sleep(until: began + interval * index, clock: .continuous)
            let payment = RegisterPayment(
                source: "swish",
                sourceID: "latency-\(number)",
                amount: Money(minorUnits: 100_000, .sek),
                paymentDate: today,
                message: "Faktura \(PaymentsBenchmark.ocr(number))",
                creditorID: "bench"
            )
            arrivals.sent("inv-\(number)", at: ContinuousClock.now)
            try await publisher.publish(try PaymentsBenchmark.message(payment, exchange: exchange))
        }
        // A lost or late payment must fail the run, not drop out of the percentiles.
        guard await TestBroker.eventually(timeout: .seconds(60), { arrivals.count >= payments }) else {
            throw BenchFailure("only \(arrivals.count) of \(payments) invoice-paid events arrived")
        }
        receiving.cancel()
        sampling.cancel()
        result.loadedKiB = await sampling.value
        result.latencies = arrivals.latencies

        await consumer.stop()
        await publisher.stop()
        await processes.terminateAll()
        await TestBroker.cleanUp(
            services: processes.services.values.map(\.name),
            exchanges: [exchange, processes.deadLetterExchange],
            on: url
        )
        await TestBroker.cleanUp(queues: [queue], on: url)
        return result
    }

    /// VmRSS of a running service, from /proc.
    static func residentKiB(_ processes: ServiceProcesses, _ executable: String) -> Int {
        guard let pid = processes.pid(executable),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// When each invoice's payment was sent and when its invoice-paid arrived.
    final class ArrivalClock: Sendable {
        private let state = Mutex((sent: [String: ContinuousClock.Instant](), latencies: [Duration]()))

        func sent(_ invoiceID: String, at instant: ContinuousClock.Instant) {
            state.withLock { $0.sent[invoiceID] = instant }
        }

        func arrived(_ invoiceID: String, at instant: ContinuousClock.Instant) {
            state.withLock { state in
                guard let sent = state.sent.removeValue(forKey: invoiceID) else { return }
                state.latencies.append(instant - sent)
            }
        }

        var count: Int { state.withLock { $0.latencies.count } }
        var latencies: [Duration] { state.withLock { $0.latencies } }
    }
}
