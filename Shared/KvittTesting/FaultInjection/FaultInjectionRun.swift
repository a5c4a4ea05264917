import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import Logging

/// The whole system under fire: the four real executables take rounds of invoices, credits and payments, and ROT/RUT
/// invoices through claim file and Skatteverket's decision (``TaxReductionWork``), while the plan's nemeses strike
/// (``FaultInjector``): services killed with `kill -9`, the broker restarted, killed with `kill -9` or frozen, the link
/// to it cut, memory and disk alarms, payment-matching's disk full; commands arrive twice and poison messages arrive
/// among them. At the end the books must balance against what was sent, the claims and decisions with them.
///
/// The services reach the broker through a ``LinkProxy`` (when the plan cuts links), the driver and the `kvitt` CLI
/// directly. Used by the short fault-injection test and by `kvitt-bench --fault-invoices`, which prints the figures.
public struct FaultInjectionRun: Sendable {
    public let plan: FaultInjectionPlan
    public let broker: AMQPURL
    public let logger: Logger
    /// Progress lines (phases, faults) for a person watching a long run.
    public let progress: @Sendable (String) -> Void

    static let executables = ["invoicing", "payment-matching", "debt-collection", "tax-reduction"]
    static let creditorID = "chaos-bygg"
    static let bankgiro = "50501055"
    static let debtorIdentity = "556036-0793"

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

    /// How the driver pays invoice number `index`: a ROT/RUT invoice in full (by bankgiro or Swish, in turn), so that
    /// its buyers' claims become requestable.
    func outcome(_ index: Int) -> Outcome {
        guard plan.isTaxReduction(index) else { return Outcome(index: index) }
        return plan.taxReductionSerial(index) / 2 % 2 == 0 ? .exactByBankgiro : .exactBySwish
    }

    /// Runs the plan and audits the result; the report's `violations` lists everything that did not balance.
    public func run() async throws -> FaultInjectionReport {
        progress("seed \(plan.seed) (repeat with the same seed to repeat the faults' choices and timing)")
        let node = BrokerNode(heartbeat: plan.heartbeatSeconds)
        let settings = try await node.settings()
        try await node.offerShortHeartbeat()
        let proxy = plan.needsProxy ? try LinkProxy(upstreamPort: broker.port) : nil
        var serviceURL = broker
        if let proxy { serviceURL.port = proxy.port }
        let exchange = TestBroker.uniqueName("chaos")
        let folder = try TestBroker.temporaryDirectory()
        let processes = ServiceProcesses(
            executables: Self.executables,
            exchange: exchange,
            folder: folder,
            broker: serviceURL,
            // The driver's BgMax files are marked as test files (BgMaxBuilder), which payment-matching books only
            // outside production and when asked to.
            environment: [
                "LOG_LEVEL": "error", "RETRY_DELAYS": "1s,2s", "KVITT_ENVIRONMENT": "test",
                "ALLOW_TEST_BANK_FILES": "true", "CLOCK_CONTROL": "on",
            ]
        )
        var report = FaultInjectionReport()
        report.seed = plan.seed
        var fullDisk: FullDisk?
        if plan.databaseFulls > 0 {
            let prepared = await FullDisk.prepare(
                databasePath: processes.databasePath("payment-matching"),
                megabytes: plan.databaseFileSystemMegabytes
            )
            fullDisk = prepared.disk
            if let problem = prepared.problem { report.unnoticed.append("database disk full not run: \(problem)") }
        }
        defer { progress("logs and databases: \(folder.path)") }
        do {
            report = try await run(processes, node: node, settings: settings, proxy: proxy, fullDisk: fullDisk, report)
        } catch {
            // Never leave the services running, the link cut or the node changed behind a failed run.
            await processes.terminateAll()
            await tearDown(node: node, settings: settings, proxy: proxy, fullDisk: fullDisk)
            throw error
        }
        await tearDown(node: node, settings: settings, proxy: proxy, fullDisk: fullDisk)
        return report
    }

    private func tearDown(node: BrokerNode, settings: BrokerNode.Settings, proxy: LinkProxy?, fullDisk: FullDisk?)
        async
    {
        proxy?.set(.open)
        proxy?.stop()
        await fullDisk?.remove()
        try? await node.restore(settings)
    }

    private func run(
        _ processes: ServiceProcesses,
        node: BrokerNode,
        settings: BrokerNode.Settings,
        proxy: LinkProxy?,
        fullDisk: FullDisk?,
        _ initial: FaultInjectionReport
    ) async throws -> FaultInjectionReport {
        var report = initial
        let exchange = processes.exchange
        try await processes.startAll()
        let sender = CommandSender(
            publisher: AMQPPublisher(url: broker, options: .init(connectionName: "chaos-upstream"), logger: logger),
            exchange: exchange,
            duplicateEvery: plan.duplicateEvery
        )
        let reader = ReadAPI(processes: processes)
        let started = ContinuousClock.now

        try await registerCreditor(sender, exchange: exchange)
        let workload = WorkloadProgress()
        let faults = FaultInjector(
            plan: plan,
            processes: processes,
            node: node,
            nodeSettings: settings,
            proxy: proxy,
            fullDisk: fullDisk,
            workload: workload,
            sender: sender,
            broker: broker,
            progress: progress
        )
        let chaos = Task { try await faults.run() }

        var expected = Expected()
        var issued: [Issued] = []
        var next = 0
        var serials = Serials()
        var desk = ClaimDesk()
        // Rounds until the planned invoices are through and every fault is over, so that each fault meets traffic.
        while next < plan.invoices || !workload.faultsDone.isSet {
            workload.startRound()
            report.rounds += 1
            let indices = next..<(next + plan.invoicesPerRound)
            next += plan.invoicesPerRound
            progress("round \(report.rounds): invoices \(indices.lowerBound)–\(indices.upperBound - 1)")
            let round = try await issueInvoices(indices, sender, reader)
            for invoice in round where plan.isTaxReduction(invoice.index) {
                desk.invoices[invoice.id] = .init(
                    work: TaxReductionWork(index: invoice.index, serial: plan.taxReductionSerial(invoice.index)),
                    number: invoice.number
                )
            }
            let credits = try await credit(round, sender, reader, &expected)
            let unmatched =
                plan.unmatchedPayments * indices.upperBound / max(1, plan.invoices)
                - plan.unmatchedPayments * indices.lowerBound / max(1, plan.invoices)
            try await pay(round, credits: credits, unmatched: unmatched, sender, workload, &serials, &expected)
            issued += round
            // The earlier rounds' paid ROT/RUT claims into claim files, and the filed ones decided, among the faults.
            _ = try await advanceClaims(&desk, sender, reader)
        }
        try await sendPoison(sender)
        let outcome = try await chaos.value
        report.kills = outcome.kills
        report.killedWhilePaying = outcome.killedWhilePaying
        report.paymentMatchingKilledAt = outcome.paymentMatchingKilledAt
        report.brokerRestarts = outcome.brokerRestarts
        report.brokerKills = outcome.brokerKills
        report.brokerFreezes = outcome.brokerFreezes
        report.linkCuts = outcome.linkCuts
        report.memoryAlarms = outcome.memoryAlarms
        report.diskAlarms = outcome.diskAlarms
        report.databaseFulls = outcome.databaseFulls
        report.nemeses += outcome.nemeses
        report.unnoticed += outcome.unnoticed

        progress("waiting until every payment is accounted for")
        let settled = await TestBroker.eventually(timeout: .seconds(180)) {
            let payments = await reader.payments()
            return payments?.count == expected.payments.count
        }
        if !settled { progress("not every payment was registered within 3 minutes; the audit says which") }
        try await settleClaims(&desk, sender, reader)
        if plan.collectionLadder {
            try await climbLadder(issued, processes, reader, &expected, &report)
        }
        // The other services apply the last payment-matched events a moment later: read until the books agree.
        let deadline = ContinuousClock.now + .seconds(60)
        repeat {
            report.violations = await audit(expected, issued, reader, processes)
            report.violations += await auditClaims(desk, issued, reader)
            if report.violations.isEmpty { break }
            try await Task.sleep(for: .seconds(1))
        } while ContinuousClock.now < deadline
        report.violations = outcome.violations + report.violations
        // Read while the services still run.
        report.taxReductionInvoices = desk.invoices.count
        report.claimFiles = await reader.claimFiles()?.count ?? 0
        report.claimsApprovedInFull = desk.count(.approvedInFull)
        report.claimsPartlyApproved = desk.count(.partlyApproved)
        report.claimsRefused = desk.count(.refused)
        report.remainderInvoices =
            (await reader.drafts() ?? []).filter {
                $0.externalID.hasPrefix(Self.remainderPrefix)
            }.count
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
        report.messagesConsumed = outcome.consumedByKilled
        for executable in processes.services.keys {
            report.messagesConsumed += await MetricsReader.value(
                "kvitt_messages_consumed_total",
                port: processes.port(executable)
            )
        }
        for (executable, status) in await processes.terminateAll() where status != 0 {
            report.violations.append("\(executable) exited with \(status) on SIGTERM")
        }
        report.invoices = issued.count
        report.creditInvoices = expected.credited.count
        report.appliedCredits = expected.applied.count
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
                invoiceNumberSeries: .init(start: 10_001),
                // A reminder 5 days after the due date, collection only by hand: the ladder phase's one step.
                collection: .init(reminderDaysAfterDue: 5, collectionDaysAfterDue: nil)
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
        /// The invoice number (what Skatteverket's decision names).
        let number: String
        let amountDue: Int64
        /// The unit price of its one line (two units).
        let unitPrice: Int64
    }

    /// A multiple of 4 kr, so that a unit with its 25 % VAT is whole kronor: invoicing rounds an invoice's total (and a
    /// credit's) to whole kronor, and the audit's expectations are then exact without repeating that rounding.
    static func unitPrice(_ index: Int) -> Int64 { 40_000 + Int64(index % 97) * 400 }

    static func debtor(_ index: Int) -> Debtor {
        Debtor(kind: "company", name: "Kund \(index) AB", identityNumber: debtorIdentity)
    }

    /// Creates and attests one round's invoices and waits until payment-matching knows each receivable.
    private func issueInvoices(_ indices: Range<Int>, _ sender: CommandSender, _ reader: ReadAPI) async throws
        -> [Issued]
    {
        let today = CalendarDate.today(at: Date())
        let commands = indices.map { index in
            if plan.isTaxReduction(index) {
                return TaxReductionWork(index: index, serial: plan.taxReductionSerial(index))
                    .command(creditorID: Self.creditorID, today: today)
            }
            return CreateInvoice(
                creditorID: Self.creditorID,
                externalID: "chaos-\(index)",
                debtor: Self.debtor(index),
                currency: "SEK",
                invoiceDate: today,
                lines: [
                    .init(
                        description: "Arbete",
                        quantity: DecimalQuantity("2")!,
                        unitPrice: Self.unitPrice(index),
                        vatRate: 25
                    )
                ]
            )
        }
        try await sender.send(commands)
        let wanted = Set(indices.map { "chaos-\($0)" })
        var attested: Set<String> = []
        var issued: [String: Issued] = [:]
        let deadline = ContinuousClock.now + .seconds(300)
        while issued.count < indices.count, ContinuousClock.now < deadline {
            let drafts = (await reader.invoices(status: "draft") ?? []).filter { wanted.contains($0.externalID) }
            if let rejected = drafts.first(where: { $0.taxReduction?.state == "rejected" }) {
                throw RunFailure(
                    "tax-reduction rejected \(rejected.externalID): \(rejected.taxReduction?.detail ?? "")"
                )
            }
            // A ROT/RUT draft can be attested once tax-reduction has allocated its reduction.
            let attestable = drafts.filter {
                !attested.contains($0.id) && ($0.taxReduction.map { $0.state == "allocated" } ?? true)
            }
            try await sender.send(attestable.map { AttestInvoice(invoiceID: $0.id) })
            attested.formUnion(attestable.map(\.id))
            for invoice in await reader.invoices(status: "issued") ?? [] where wanted.contains(invoice.externalID) {
                guard let ocr = invoice.ocr, let number = invoice.number,
                    let index = Int(invoice.externalID.dropFirst("chaos-".count))
                else {
                    continue
                }
                issued[invoice.id] = Issued(
                    id: invoice.id,
                    index: index,
                    ocr: ocr,
                    number: number,
                    amountDue: invoice.amountDue.amount,
                    unitPrice: Self.unitPrice(index)
                )
            }
            if issued.count < indices.count { try await Task.sleep(for: .milliseconds(300)) }
        }
        guard issued.count == indices.count else {
            throw RunFailure("only \(issued.count) of \(indices.count) invoices were issued within 5 minutes")
        }
        // Payment matching must know every receivable before the bank file arrives, as in production.
        let known = await TestBroker.eventually(timeout: .seconds(300)) {
            let receivables = Set((await reader.receivables() ?? []).map(\.invoiceID))
            return issued.keys.allSatisfy(receivables.contains)
        }
        guard known else { throw RunFailure("payment-matching did not open the round's receivables in 5 minutes") }
        return issued.values.sorted { $0.index < $1.index }
    }

    /// What the books must show at the end.
    struct Expected: Sendable {
        /// Per invoice id: what payment matching applied.
        var paid: [String: Int64] = [:]
        /// Per invoice id: what a credit invoice of it took off (VAT included).
        var credited: [String: Int64] = [:]
        /// Per invoice id: what a standalone credit invoice applied to it took off.
        var applied: [String: Int64] = [:]
        /// Per payment, by the text that identifies it in the report: amount, and the status it must end in.
        var payments: [String: (amount: Int64, status: String)] = [:]
        /// External ids of the credit invoices sent.
        var creditInvoices: Set<String> = []
        /// Per invoice id: the fees debt-collection charged (the ladder phase's reminder).
        var fees: [String: Int64] = [:]
    }

    /// Förseningsersättning, which a business debtor's reminder costs (lag 1981:739 4 a §): 450 kr.
    static let latePaymentCompensation: Int64 = 45_000

    /// The collection ladder with time travel, after the payments: every service's business clock moves 40 days
    /// (`kvitt clock advance`, the real CLI), past every due date and the creditor's 5-day reminder; debt-collection
    /// is killed with `kill -9` as it starts on the reminders and restarted. Each invoice that still owes something
    /// then carries exactly one förseningsersättning in all three services' books; a paid one carries none.
    private func climbLadder(
        _ invoices: [Issued],
        _ processes: ServiceProcesses,
        _ reader: ReadAPI,
        _ expected: inout Expected,
        _ report: inout FaultInjectionReport
    ) async throws {
        var owing: Set<String> = []
        for invoice in invoices {
            let balance =
                invoice.amountDue - expected.credited[invoice.id, default: 0] - expected.applied[invoice.id, default: 0]
                - expected.paid[invoice.id, default: 0]
            if balance > 0 { owing.insert(invoice.id) }
        }
        progress("collection ladder: clocks 40 days on; \(owing.count) invoices owe and get a reminder")
        var arguments = ["clock", "advance", "40d"]
        for executable in processes.services.keys.sorted() {
            arguments += ["--service", "http://127.0.0.1:\(processes.port(executable))"]
        }
        _ = try await CLIRunner.output(arguments, environment: [:])
        try await Task.sleep(for: .milliseconds(200))
        progress("fault: kill -9 debt-collection among its reminders")
        report.messagesConsumed += await MetricsReader.value(
            "kvitt_messages_consumed_total",
            port: processes.port("debt-collection")
        )
        await processes.kill("debt-collection")
        report.kills += 1
        try await processes.start("debt-collection", timeout: .seconds(120))
        for id in owing { expected.fees[id] = Self.latePaymentCompensation }
        let reminded = await TestBroker.eventually(timeout: .seconds(180)) {
            let fees = Dictionary(
                (await reader.invoices(status: "issued") ?? []).map { ($0.id, $0.fees.amount) }
            ) { first, _ in first }
            return owing.allSatisfy { fees[$0] == Self.latePaymentCompensation }
        }
        report.reminders = owing.count
        if !reminded { progress("not every owing invoice carried its reminder fee within 3 minutes") }
    }

    /// A standalone credit invoice: one line of −1 × 200 kr + 25 % VAT.
    static let standaloneCredit: Int64 = 25_000

    /// Credits one unit of every `creditEvery`-th invoice (a credit invoice of its one line) and applies a
    /// standalone credit invoice to every `appliedCreditEvery`-th; waits until invoicing and payment-matching both
    /// show them. Returns what each invoice owes less, by invoice id.
    private func credit(
        _ round: [Issued],
        _ sender: CommandSender,
        _ reader: ReadAPI,
        _ expected: inout Expected
    ) async throws -> [String: Int64] {
        var reductions: [String: Int64] = [:]
        var partial: [CreateCreditInvoice] = []
        var standalone: [String: CreateInvoice] = [:]
        let today = CalendarDate.today(at: Date())
        // ROT/RUT invoices are paid in full as issued: a credit of ROT work is a flow of its own (repayments).
        for invoice in round where !plan.isTaxReduction(invoice.index) {
            if plan.creditEvery > 0 && invoice.index % plan.creditEvery == 1 {
                let externalID = "chaos-credit-\(invoice.index)"
                partial.append(
                    CreateCreditInvoice(
                        originalInvoiceID: invoice.id,
                        externalID: externalID,
                        lines: [.init(lineIndex: 0, quantity: DecimalQuantity("1")!)],
                        reason: "En enhet återlämnad"
                    )
                )
                // One of two units, with its 25 % VAT: whole kronor, since every unit price is a multiple of 4 kr.
                let amount = invoice.unitPrice * 5 / 4
                expected.credited[invoice.id] = amount
                expected.creditInvoices.insert(externalID)
                reductions[invoice.id, default: 0] += amount
            }
            if plan.appliedCreditEvery > 0 && invoice.index % plan.appliedCreditEvery == 2 {
                let externalID = "chaos-standalone-\(invoice.index)"
                standalone[externalID] = CreateInvoice(
                    creditorID: Self.creditorID,
                    externalID: externalID,
                    debtor: Self.debtor(invoice.index),
                    currency: "SEK",
                    invoiceDate: today,
                    lines: [
                        .init(
                            description: "Tillgodo för reklamation",
                            quantity: DecimalQuantity("-1")!,
                            unitPrice: 20_000,
                            vatRate: 25
                        )
                    ]
                )
                expected.applied[invoice.id] = Self.standaloneCredit
                expected.creditInvoices.insert(externalID)
                reductions[invoice.id, default: 0] += Self.standaloneCredit
            }
        }
        guard !partial.isEmpty || !standalone.isEmpty else { return [:] }
        try await sender.send(partial)
        try await sender.send(Array(standalone.values))
        let debitOf = Dictionary(
            uniqueKeysWithValues: round.map { ("chaos-standalone-\($0.index)", $0.id) }
        )
        let wanted = Set(partial.map(\.externalID)).union(standalone.keys)
        var attested: Set<String> = []
        var appliedSent: Set<String> = []
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            let drafts = (await reader.invoices(status: "draft") ?? []).filter {
                wanted.contains($0.externalID) && !attested.contains($0.id)
            }
            try await sender.send(drafts.map { AttestInvoice(invoiceID: $0.id) })
            attested.formUnion(drafts.map(\.id))
            let attestedStandalone = (await reader.invoices(status: "issued") ?? []).filter {
                standalone[$0.externalID] != nil && !appliedSent.contains($0.externalID)
            }
            try await sender.send(
                attestedStandalone.compactMap { credit in
                    debitOf[credit.externalID].map { ApplyCredit(creditInvoiceID: credit.id, debitInvoiceID: $0) }
                }
            )
            appliedSent.formUnion(attestedStandalone.map(\.externalID))
            if appliedSent.count == standalone.count, await creditsLanded(reductions, round, reader) {
                return reductions
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw RunFailure("the round's credits did not reach invoicing and payment-matching within 5 minutes")
    }

    /// Whether invoicing and payment-matching both show every credited invoice's lower balance.
    private func creditsLanded(_ reductions: [String: Int64], _ round: [Issued], _ reader: ReadAPI) async -> Bool {
        let receivables = Dictionary(
            (await reader.receivables() ?? []).map { ($0.invoiceID, $0.balance.amount) }
        ) { first, _ in first }
        let invoices = Dictionary(
            (await reader.invoices(status: "issued") ?? []).map { ($0.id, $0.balance.amount) }
        ) { first, _ in first }
        return round.allSatisfy { invoice in
            guard let reduction = reductions[invoice.id] else { return true }
            return receivables[invoice.id] == invoice.amountDue - reduction
                && invoices[invoice.id] == invoice.amountDue - reduction
        }
    }

    /// Numbers that must never repeat across the run's bank files.
    struct Serials {
        var file = 0
        var record = 0
        var unmatched = 0
    }

    /// Pays one round's invoices (what each owes after its credits) and sends its share of unmatched payments.
    private func pay(
        _ invoices: [Issued],
        credits: [String: Int64],
        unmatched: Int,
        _ sender: CommandSender,
        _ workload: WorkloadProgress,
        _ serials: inout Serials,
        _ expected: inout Expected
    ) async throws {
        var bankRecords: [BankRecord] = []
        var singles: [RegisterPayment] = []
        var keys: [String] = []
        let today = CalendarDate.today(at: Date())
        for invoice in invoices {
            let due = invoice.amountDue - credits[invoice.id, default: 0]
            let outcome = outcome(invoice.index)
            switch outcome {
            case .exactByBankgiro:
                bankRecords.append((invoice.ocr, due, 2))
                expected.paid[invoice.id] = due
                keys.append("bankgiro \(invoice.ocr)")
                expected.payments[keys.last!] = (due, "matched")
            case .partialByBankgiro:
                bankRecords.append((invoice.ocr, due / 2, 2))
                expected.paid[invoice.id] = due / 2
                keys.append("bankgiro \(invoice.ocr)")
                expected.payments[keys.last!] = (due / 2, "matched")
            case .overByBankgiro:
                bankRecords.append((invoice.ocr, due + 10_000, 2))
                expected.paid[invoice.id] = due
                keys.append("bankgiro \(invoice.ocr)")
                expected.payments[keys.last!] = (due + 10_000, "overpaid")
            case .exactBySwish, .exactByCard:
                let source = outcome == .exactBySwish ? "swish" : "card"
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
        for _ in 0..<unmatched {
            let reference = "okand betalning \(serials.unmatched)"
            let amount = 12_300 + Int64(serials.unmatched)
            serials.unmatched += 1
            bankRecords.append((reference, amount, 3))
            expected.payments["bankgiro \(reference)"] = (amount, "unmatched")
        }
        // Files of 500 payments; each file is imported twice (the second import must change nothing), and the
        // single payments are interleaved so that the four sources arrive at once.
        let day = today.description.replacingOccurrences(of: "-", with: "")
        var files: [(name: String, bytes: [UInt8], count: Int)] = []
        for start in stride(from: 0, to: bankRecords.count, by: 500) {
            serials.file += 1
            let records = bankRecords[start..<min(start + 500, bankRecords.count)]
            files.append(
                (
                    "chaos-\(serials.file).txt",
                    Self.bankFile(records, day: day, serial: serials.file, firstRecord: serials.record + 1),
                    records.count
                )
            )
            serials.record += records.count
        }
        let singlesPerFile = max(1, singles.count / max(1, files.count))
        for (number, file) in files.enumerated() {
            let command = ImportBankgiroFile(fileName: file.name, latin1: file.bytes)
            try await sender.send(command)
            workload.sentPayments(file.count)
            try await sender.send(command)
            sender.countDuplicate()
            let slice = singles.dropFirst(number * singlesPerFile).prefix(singlesPerFile)
            try await sender.send(Array(slice))
            workload.sentPayments(slice.count)
        }
        let remaining = singles.dropFirst(files.count * singlesPerFile)
        try await sender.send(Array(remaining))
        workload.sentPayments(remaining.count)
        // The same Swish payment reported again under a new message id: one payment, by its source id.
        let again = Array(singles.prefix(max(1, singles.count / 20)))
        try await sender.send(again)
        sender.countDuplicates(again.count)
    }

    typealias BankRecord = (reference: String, amount: Int64, code: Int)

    /// One BgMax file with one deposit of the records, numbered from `firstRecord` on.
    static func bankFile(_ records: ArraySlice<BankRecord>, day: String, serial: Int, firstRecord: Int) -> [UInt8] {
        var lines: [String] = []
        for (offset, record) in records.enumerated() {
            lines.append(
                BgMaxBuilder.payment(
                    reference: record.reference,
                    amount: record.amount,
                    code: record.code,
                    serial: String(firstRecord + offset)
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
        // Invoicing's drafts of what buyers owe after Skatteverket's decisions are audited with the claims.
        let debits = allInvoices.filter { $0.kind == "debit" && !$0.externalID.hasPrefix(Self.remainderPrefix) }
        let credits = allInvoices.filter { $0.kind == "credit" }
        if debits.count != invoices.count {
            violations.append("invoicing holds \(debits.count) debit invoices of \(invoices.count) created")
        }
        if Set(credits.map(\.externalID)) != expected.creditInvoices || credits.count != expected.creditInvoices.count {
            violations.append(
                "invoicing holds \(credits.count) credit invoices of \(expected.creditInvoices.count) created"
            )
        }
        for (externalID, copies) in Dictionary(grouping: allInvoices, by: \.externalID) where copies.count > 1 {
            violations.append("external id \(externalID) became \(copies.count) invoices")
        }
        // The services' books against each other, beyond what was sent (BooksAudit's own rules).
        violations += await reader.booksViolations()
        let invoicing = Dictionary(allInvoices.map { ($0.id, $0) }) { first, _ in first }
        let receivables = Dictionary((await reader.receivables() ?? []).map { ($0.invoiceID, $0) }) { first, _ in first
        }
        let cases = Dictionary((await reader.cases() ?? []).map { ($0.invoiceID, $0) }) { first, _ in first }
        let payments = await reader.payments() ?? []
        for invoice in invoices {
            let paid = expected.paid[invoice.id] ?? 0
            let credited = expected.credited[invoice.id] ?? 0
            let applied = expected.applied[invoice.id] ?? 0
            let fees = expected.fees[invoice.id] ?? 0
            let balance = invoice.amountDue - credited - applied - paid + fees
            guard let view = invoicing[invoice.id] else {
                violations.append("invoicing lost invoice \(invoice.id)")
                continue
            }
            if view.paid.amount != paid || view.balance.amount != balance || view.credited.amount != credited
                || view.creditApplied.amount != applied || view.fees.amount != fees
            {
                violations.append(
                    "invoicing \(invoice.ocr): paid \(view.paid), credited \(view.credited), applied "
                        + "\(view.creditApplied), fees \(view.fees), balance \(view.balance); "
                        + "expected \(paid), \(credited), \(applied), \(fees)"
                )
            }
            if view.status != (balance == 0 ? "closed" : "issued") {
                violations.append("invoicing \(invoice.ocr): status \(view.status) with balance \(balance)")
            }
            if let receivable = receivables[invoice.id] {
                if receivable.paid.amount != paid || receivable.balance.amount != balance {
                    violations.append(
                        "payment-matching \(invoice.ocr): paid \(receivable.paid), balance \(receivable.balance); "
                            + "sent \(paid), expected balance \(balance)"
                    )
                }
            } else {
                violations.append("payment-matching has no receivable for \(invoice.ocr)")
            }
            if let collection = cases[invoice.id] {
                if collection.paid.amount != paid || collection.fees.amount + collection.interest.amount != fees {
                    violations.append(
                        "debt-collection \(invoice.ocr): paid \(collection.paid), fees \(collection.fees), "
                            + "interest \(collection.interest); expected \(paid) and \(fees) in fees"
                    )
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
