import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import Logging

/// The whole system under fire: the four real executables take thousands of commands and payments while random
/// services are killed with `kill -9` and restarted, the broker is stopped and started, commands arrive twice and
/// poison messages arrive among them. At the end the books must balance against what was sent.
///
/// Used by the short fault-injection test and by `kvitt-bench --faults`, which prints the figures.
public struct FaultInjectionRun: Sendable {
    public let plan: FaultInjectionPlan
    public let broker: AMQPURL
    public let logger: Logger
    /// Progress lines (phases, faults) for a person watching a long run.
    public let progress: @Sendable (String) -> Void

    static let executables = ["invoicing", "payment-matching", "debt-collection", "tax-reduction"]
    static let creditorID = "chaos-bygg"
    static let bankgiro = "50501055"

    public init(
        plan: FaultInjectionPlan,
        broker: AMQPURL,
        logger: Logger,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.plan = plan
        self.broker = broker
        self.logger = logger
        self.progress = progress
    }

    /// How the driver pays invoice number `index` (by position in the creation order).
    enum Outcome: CaseIterable {
        case exactByBankgiro, partialByBankgiro, overByBankgiro, exactBySwish, exactByCard, unpaid

        init(index: Int) { self = Self.allCases[index % Self.allCases.count] }
    }

    /// Runs the plan and audits the result; the report's `violations` lists everything that did not balance.
    public func run() async throws -> FaultInjectionReport {
        let exchange = TestBroker.uniqueName("chaos")
        let processes = ServiceProcesses(
            executables: Self.executables,
            exchange: exchange,
            folder: try TestBroker.temporaryDirectory(),
            broker: broker,
            environment: ["LOG_LEVEL": "error", "RETRY_DELAYS": "1s,2s"]
        )
        do {
            return try await run(processes)
        } catch {
            // Never leave the services running behind a failed run.
            await processes.terminateAll()
            throw error
        }
    }

    private func run(_ processes: ServiceProcesses) async throws -> FaultInjectionReport {
        let exchange = processes.exchange
        try await processes.startAll()
        let sender = CommandSender(
            publisher: AMQPPublisher(url: broker, options: .init(connectionName: "chaos-upstream"), logger: logger),
            exchange: exchange,
            duplicateEvery: plan.duplicateEvery
        )
        let reader = ReadAPI(processes: processes)
        var report = FaultInjectionReport()
        let started = ContinuousClock.now
        defer { progress("logs and databases: \(processes.folder.path)") }

        try await registerCreditor(sender, exchange: exchange)
        let paymentsStarted = PhaseFlag()
        let paymentMatchingDown = PhaseFlag()
        let faults = FaultInjector(
            plan: plan,
            processes: processes,
            paymentsStarted: paymentsStarted,
            paymentMatchingDown: paymentMatchingDown,
            progress: progress
        )
        let chaos = Task { try await faults.run() }

        progress("creating and attesting \(plan.invoices) invoices")
        let invoices = try await issueInvoices(sender, reader)
        progress("paying them (BgMax files, Swish, card) with \(plan.unmatchedPayments) unmatched payments")
        let expected = try await pay(invoices, sender) {
            // The first bank file is on its way: let the faults in, and send the rest only once payment-matching
            // died among the payments, so that it is killed with payments in flight and more to come.
            paymentsStarted.set()
            guard faults.killsPaymentMatchingWhilePaying else { return }
            let deadline = ContinuousClock.now + .seconds(120)
            while !paymentMatchingDown.isSet && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        try await sendPoison(sender)
        let outcome = try await chaos.value
        report.kills = outcome.kills
        report.brokerRestarts = outcome.brokerRestarts
        report.killedWhilePaying = outcome.killedWhilePaying
        report.registeredWhenPaymentMatchingDied = outcome.registeredWhenPaymentMatchingDied

        progress("waiting until every payment is accounted for")
        let settled = await TestBroker.eventually(timeout: .seconds(180)) {
            let payments = await reader.payments()
            return payments?.count == expected.payments.count
        }
        if !settled { progress("not every payment was registered within 3 minutes; the audit says which") }
        // The other services apply the last payment-matched events a moment later: read until the books agree.
        let deadline = ContinuousClock.now + .seconds(60)
        repeat {
            report.violations = await audit(expected, invoices, reader, processes)
            if report.violations.isEmpty { break }
            try await Task.sleep(for: .seconds(1))
        } while ContinuousClock.now < deadline
        report.seconds = (ContinuousClock.now - started).secondsValue
        // Parking is asynchronous too (a poison message may wait behind a restarted service's backlog).
        var letters = try await deadLetters(processes)
        let parkingDeadline = ContinuousClock.now + .seconds(30)
        while letters.count < plan.poisonMessages, ContinuousClock.now < parkingDeadline {
            try await Task.sleep(for: .seconds(1))
            letters = try await deadLetters(processes)
        }
        report.deadLetters = letters.count
        if letters.count != plan.poisonMessages {
            report.violations.append(
                "\(letters.count) dead letters for \(plan.poisonMessages) poison messages: "
                    + letters.map { "\($0.type) \($0.reason)" }.joined(separator: ", ")
            )
        }
        for letter in letters where letter.reason != FailureReason.undecodableBody.rawValue {
            report.violations.append("dead letter \(letter.id) (\(letter.type)) parked as \(letter.reason)")
        }
        for (executable, status) in await processes.terminateAll() where status != 0 {
            report.violations.append("\(executable) exited with \(status) on SIGTERM")
        }
        report.commandsSent = sender.sent
        report.duplicatesSent = sender.duplicates
        report.paymentsSent = expected.payments.count
        report.poisonSent = plan.poisonMessages
        await sender.publisher.stop()
        await TestBroker.cleanUp(
            services: processes.services.values.map(\.name),
            retryPolicy: RetryPolicy(delays: [.seconds(1), .seconds(2)]),
            exchanges: [exchange, processes.deadLetterExchange],
            on: broker
        )
        return report
    }

    /// Registers the creditor before any fault, and waits until invoicing has it.
    private func registerCreditor(_ sender: CommandSender, exchange: String) async throws {
        let recorder = try await EventRecorder(
            exchange: exchange,
            patterns: [CreditorRegistered.messageType.rawValue],
            broker: broker
        )
        try await sender.send(
            RegisterCreditor(
                creditorID: Self.creditorID,
                name: "Kaos Bygg AB",
                organisationNumber: "556677-8899",
                bankgiro: "5050-1055",
                reminderFeeAgreed: false,
                paymentTermsDays: 30,
                ocrControl: .init(level: "hard"),
                invoiceNumberSeries: .init(start: 10_001)
            )
        )
        let registered = await recorder.wait(for: CreditorRegistered.self, timeout: .seconds(30))
        await recorder.stop()
        guard registered != nil else { throw RunFailure("the creditor was not registered within 30 s") }
    }

    /// An issued invoice as the driver knows it.
    struct Issued: Sendable {
        let id: String
        let index: Int
        let ocr: String
        let amountDue: Int64
    }

    private func issueInvoices(_ sender: CommandSender, _ reader: ReadAPI) async throws -> [Issued] {
        let today = CalendarDate.today(at: Date())
        let commands = (0..<plan.invoices).map { index in
            CreateInvoice(
                creditorID: Self.creditorID,
                externalID: "chaos-\(index)",
                debtor: Debtor(kind: "company", name: "Kund \(index) AB", identityNumber: "556036-0793"),
                currency: "SEK",
                invoiceDate: today,
                lines: [
                    .init(
                        description: "Arbete",
                        quantity: DecimalQuantity("1")!,
                        unitPrice: 80_000 + Int64(index % 97) * 100,
                        vatRate: 25
                    )
                ]
            )
        }
        try await sender.send(commands)
        var attested: Set<String> = []
        var issued: [String: Issued] = [:]
        let deadline = ContinuousClock.now + .seconds(300)
        while issued.count < plan.invoices, ContinuousClock.now < deadline {
            let invoices = await reader.invoices() ?? []
            let drafts = invoices.filter { $0.status == "draft" && !attested.contains($0.id) }
            try await sender.send(drafts.map { AttestInvoice(invoiceID: $0.id) })
            attested.formUnion(drafts.map(\.id))
            for invoice in invoices where invoice.status == "issued" {
                guard let ocr = invoice.ocr, let index = Int(invoice.externalID.dropFirst("chaos-".count)) else {
                    continue
                }
                issued[invoice.id] = Issued(
                    id: invoice.id,
                    index: index,
                    ocr: ocr,
                    amountDue: invoice.amountDue.amount
                )
            }
            if issued.count < plan.invoices { try await Task.sleep(for: .milliseconds(300)) }
        }
        guard issued.count == plan.invoices else {
            throw RunFailure("only \(issued.count) of \(plan.invoices) invoices were issued within 5 minutes")
        }
        // Payment matching must know every receivable before the bank file arrives, as in production.
        let known = await TestBroker.eventually(timeout: .seconds(120)) {
            await reader.receivables()?.count == plan.invoices
        }
        guard known else { throw RunFailure("payment-matching did not open all \(plan.invoices) receivables") }
        return issued.values.sorted { $0.index < $1.index }
    }

    /// What the books must show at the end.
    struct Expected: Sendable {
        /// Per invoice id: what payment matching applied.
        var paid: [String: Int64] = [:]
        /// Per payment, by the text that identifies it in the report: amount, and the status it must end in.
        var payments: [String: (amount: Int64, status: String)] = [:]
    }

    /// Pays the invoices; `halfway` runs after the first bank file is sent and before the rest.
    private func pay(
        _ invoices: [Issued],
        _ sender: CommandSender,
        halfway: () async throws -> Void
    ) async throws -> Expected {
        var expected = Expected()
        var bankRecords: [BankRecord] = []
        var singles: [RegisterPayment] = []
        let today = CalendarDate.today(at: Date())
        for invoice in invoices {
            let due = invoice.amountDue
            switch Outcome(index: invoice.index) {
            case .exactByBankgiro:
                bankRecords.append((invoice.ocr, due, 2))
                expected.paid[invoice.id] = due
                expected.payments["bankgiro \(invoice.ocr)"] = (due, "matched")
            case .partialByBankgiro:
                bankRecords.append((invoice.ocr, due / 2, 2))
                expected.paid[invoice.id] = due / 2
                expected.payments["bankgiro \(invoice.ocr)"] = (due / 2, "matched")
            case .overByBankgiro:
                bankRecords.append((invoice.ocr, due + 10_000, 2))
                expected.paid[invoice.id] = due
                expected.payments["bankgiro \(invoice.ocr)"] = (due + 10_000, "overpaid")
            case .exactBySwish, .exactByCard:
                let source = Outcome(index: invoice.index) == .exactBySwish ? "swish" : "card"
                singles.append(
                    RegisterPayment(
                        source: source,
                        sourceID: "\(source)-\(invoice.index)",
                        amount: Money(minorUnits: due, .sek),
                        paymentDate: today,
                        reference: source == "card" ? invoice.ocr : nil,
                        message: source == "swish" ? "Faktura \(invoice.ocr)" : nil,
                        creditorID: Self.creditorID
                    )
                )
                expected.paid[invoice.id] = due
                expected.payments["\(source) \(invoice.ocr)"] = (due, "matched")
            case .unpaid:
                expected.paid[invoice.id] = 0
            }
        }
        for index in 0..<plan.unmatchedPayments {
            let reference = "okand betalning \(index)"
            bankRecords.append((reference, 12_300 + Int64(index), 3))
            expected.payments["bankgiro \(reference)"] = (12_300 + Int64(index), "unmatched")
        }
        // Files of 500 payments; each file is imported twice (the second import must change nothing), and the
        // single payments are interleaved so that the four sources arrive at once.
        let day = today.description.replacingOccurrences(of: "-", with: "")
        let files: [[UInt8]] = stride(from: 0, to: bankRecords.count, by: 500).map { start in
            Self.bankFile(bankRecords[start..<min(start + 500, bankRecords.count)], day: day, serial: start / 500 + 1)
        }
        let singlesPerFile = max(1, singles.count / max(1, files.count))
        for (number, file) in files.enumerated() {
            let command = ImportBankgiroFile(fileName: "chaos-\(number).txt", latin1: file)
            try await sender.send(command)
            if number == 0 { try await halfway() }
            try await sender.send(command)
            sender.countDuplicate()
            let slice = singles.dropFirst(number * singlesPerFile).prefix(singlesPerFile)
            try await sender.send(Array(slice))
        }
        if files.isEmpty { try await halfway() }
        let remaining = singles.dropFirst(files.count * singlesPerFile)
        try await sender.send(Array(remaining))
        // The same Swish payment reported again under a new message id: one payment, by its source id.
        try await sender.send(Array(singles.prefix(max(1, singles.count / 20))))
        sender.countDuplicates(max(1, singles.count / 20))
        return expected
    }

    typealias BankRecord = (reference: String, amount: Int64, code: Int)

    /// One BgMax file with one deposit of the records.
    static func bankFile(_ records: ArraySlice<BankRecord>, day: String, serial: Int) -> [UInt8] {
        var lines: [String] = []
        for (offset, record) in records.enumerated() {
            lines.append(
                BgMaxBuilder.payment(
                    reference: record.reference,
                    amount: record.amount,
                    code: record.code,
                    serial: String(offset + 1)
                )
            )
        }
        return BgMaxBuilder.file(deposits: [
            .init(bankgiro: bankgiro, date: day, serial: String(serial), records: lines)
        ])
    }

    private func sendPoison(_ sender: CommandSender) async throws {
        let types = [
            CreateInvoice.messageType, RegisterPayment.messageType, SendToCollection.messageType,
            GenerateClaimFile.messageType,
        ]
        for index in 0..<plan.poisonMessages {
            try await sender.sendRaw(
                "{\"creditorID\": \"\(Self.creditorID)\", \"broken\": ",
                type: types[index % types.count]
            )
        }
    }

    /// Compares every service's books with what was sent.
    private func audit(
        _ expected: Expected,
        _ invoices: [Issued],
        _ reader: ReadAPI,
        _ processes: ServiceProcesses
    ) async -> [String] {
        var violations: [String] = []
        let allInvoices = await reader.invoices() ?? []
        // Nothing created twice, nothing lost: one invoice per external id sent.
        if allInvoices.count != plan.invoices {
            violations.append("invoicing holds \(allInvoices.count) invoices of \(plan.invoices) created")
        }
        for (externalID, copies) in Dictionary(grouping: allInvoices, by: \.externalID) where copies.count > 1 {
            violations.append("external id \(externalID) became \(copies.count) invoices")
        }
        // The services' books against each other, beyond what was sent (BooksAudit's own rules).
        violations += await BooksAudit.violations(
            invoicingPort: processes.port("invoicing"),
            paymentMatchingPort: processes.port("payment-matching"),
            debtCollectionPort: processes.port("debt-collection"),
            creditorID: Self.creditorID
        )
        let invoicing = Dictionary(allInvoices.map { ($0.id, $0) }) { first, _ in first }
        let receivables = Dictionary((await reader.receivables() ?? []).map { ($0.invoiceID, $0) }) { first, _ in first
        }
        let cases = Dictionary((await reader.cases() ?? []).map { ($0.invoiceID, $0) }) { first, _ in first }
        let payments = await reader.payments() ?? []
        for invoice in invoices {
            let paid = expected.paid[invoice.id] ?? 0
            let balance = invoice.amountDue - paid
            guard let view = invoicing[invoice.id] else {
                violations.append("invoicing lost invoice \(invoice.id)")
                continue
            }
            if view.paid.amount != paid || view.balance.amount != balance {
                violations.append("invoicing \(invoice.ocr): paid \(view.paid), balance \(view.balance); sent \(paid)")
            }
            if view.status != (balance == 0 ? "closed" : "issued") {
                violations.append("invoicing \(invoice.ocr): status \(view.status) with balance \(balance)")
            }
            if let receivable = receivables[invoice.id] {
                if receivable.paid.amount != paid || receivable.balance.amount != balance {
                    violations.append("payment-matching \(invoice.ocr): paid \(receivable.paid); sent \(paid)")
                }
            } else {
                violations.append("payment-matching has no receivable for \(invoice.ocr)")
            }
            if let collection = cases[invoice.id] {
                if collection.paid.amount != paid {
                    violations.append("debt-collection \(invoice.ocr): paid \(collection.paid); sent \(paid)")
                }
            } else {
                violations.append("debt-collection has no case for \(invoice.ocr)")
            }
        }
        var seen: [String: Int] = [:]
        for payment in payments {
            let key =
                "\(payment.source) \(payment.reference ?? payment.message?.replacingOccurrences(of: "Faktura ", with: "") ?? "")"
            seen[key, default: 0] += 1
            guard let wanted = expected.payments[key] else {
                violations.append("payment \(payment.sourceID) (\(key)) was never sent")
                continue
            }
            if payment.amount.amount != wanted.amount || payment.status != wanted.status {
                violations.append("payment \(key): \(payment.status) \(payment.amount); sent \(wanted.amount)")
            }
        }
        for (key, count) in seen where count > 1 { violations.append("payment \(key) registered \(count) times") }
        for key in expected.payments.keys where seen[key] == nil { violations.append("payment \(key) is missing") }
        return violations
    }

    /// Every parked message in the four services' dead-letter queues, read with the real `kvitt` CLI.
    private func deadLetters(_ processes: ServiceProcesses) async throws -> [DeadLetterLine] {
        var letters: [DeadLetterLine] = []
        for service in processes.services.values {
            let output = try await CLIRunner.output(
                ["dead-letters", "list", "--service", service.name, "--json"],
                environment: [
                    "AMQP_URL": broker.environmentValue,
                    "RETRY_DELAYS": "1s,2s",
                ]
            )
            for line in output.split(separator: "\n") where line.hasPrefix("{") {
                letters.append(try JSONDecoder().decode(DeadLetterLine.self, from: Data(line.utf8)))
            }
        }
        return letters
    }

    struct DeadLetterLine: Decodable {
        let id: String
        let type: String
        let reason: String
    }

    struct RunFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
