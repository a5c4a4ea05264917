import Foundation

/// What a fault-injection run does: how much traffic, and how much trouble while it flows.
///
/// Every nemesis is a count, so that the short run in `make test` and the long one in `make bench` differ only in
/// their numbers. The traffic goes on in rounds until every planned fault is done, so that each one strikes under
/// load.
public struct FaultInjectionPlan: Sendable {
    /// Invoices created, attested and (mostly) paid, at least; more rounds follow while faults remain.
    public var invoices: Int
    /// Invoices per round (created, attested, credited, paid together).
    public var invoicesPerRound: Int
    /// Payments with no invoice to match (each becomes an unmatched payment), spread over the rounds.
    public var unmatchedPayments: Int
    /// `kill -9` of a random service, each followed by a restart.
    public var kills: Int
    /// Clean broker stops (`rabbitmqctl shutdown`, every connection closed politely) and starts.
    public var brokerRestarts: Int
    /// `kill -9` of the broker's Erlang VM, then a start with the same node settings.
    public var brokerKills: Int
    /// SIGSTOP of the broker's VM for three heartbeats, then SIGCONT.
    public var brokerFreezes: Int
    /// Cuts of the link between the services and the broker, for three heartbeats each, taking turns: both ways,
    /// toward the broker only, toward the services only.
    public var linkCuts: Int
    /// Memory alarms (`set_vm_memory_high_watermark 0.0000001`) held until a service reports itself blocked.
    public var memoryAlarms: Int
    /// Disk alarms (`set_disk_free_limit` of a petabyte), likewise.
    public var diskAlarms: Int
    /// Times payment-matching's database file system is filled to the last byte (`ENOSPC`, so `SQLITE_FULL`) until the
    /// service reports the database refusing writes, then emptied again.
    public var databaseFulls: Int
    /// Size of payment-matching's own file system when ``databaseFulls`` > 0.
    public var databaseFileSystemMegabytes: Int
    /// The AMQP heartbeat the broker offers during the run (seconds): freezes and cuts last three of them.
    public var heartbeatSeconds: Int
    /// Every n-th invoice gets a partial credit invoice before it is paid (0: none).
    public var creditEvery: Int
    /// Every n-th invoice is paid partly by a standalone credit invoice applied to it (0: none).
    public var appliedCreditEvery: Int
    /// Every n-th invoice is a ROT or RUT invoice (0: none): labour for private buyers, paid in full, claimed from
    /// Skatteverket in a claim file and decided (approved in full, in part or refused, in turn).
    public var taxReductionEvery: Int
    /// After the payments, move every service's clock 40 days on so that each invoice still owing gets its reminder
    /// with förseningsersättning, with debt-collection killed among the reminders.
    public var collectionLadder: Bool
    /// Every n-th command is published twice with the same message id (a transport duplicate).
    public var duplicateEvery: Int
    /// Messages with a body no service can decode, spread over the four services.
    public var poisonMessages: Int
    /// Seed of the random choices (which service, which fault when, how long), so that a run can be repeated.
    public var seed: UInt64

    public init(
        invoices: Int,
        invoicesPerRound: Int = 250,
        unmatchedPayments: Int,
        kills: Int,
        brokerRestarts: Int = 0,
        brokerKills: Int = 0,
        brokerFreezes: Int = 0,
        linkCuts: Int = 0,
        memoryAlarms: Int = 0,
        diskAlarms: Int = 0,
        databaseFulls: Int = 0,
        databaseFileSystemMegabytes: Int = 256,
        heartbeatSeconds: Int = 4,
        creditEvery: Int = 0,
        appliedCreditEvery: Int = 0,
        taxReductionEvery: Int = 0,
        collectionLadder: Bool = false,
        duplicateEvery: Int = 10,
        poisonMessages: Int,
        seed: UInt64 = FaultInjectionPlan.randomSeed()
    ) {
        self.invoices = invoices
        self.invoicesPerRound = invoicesPerRound
        self.unmatchedPayments = unmatchedPayments
        self.kills = kills
        self.brokerRestarts = brokerRestarts
        self.brokerKills = brokerKills
        self.brokerFreezes = brokerFreezes
        self.linkCuts = linkCuts
        self.memoryAlarms = memoryAlarms
        self.diskAlarms = diskAlarms
        self.databaseFulls = databaseFulls
        self.databaseFileSystemMegabytes = databaseFileSystemMegabytes
        self.heartbeatSeconds = heartbeatSeconds
        self.creditEvery = creditEvery
        self.appliedCreditEvery = appliedCreditEvery
        self.taxReductionEvery = taxReductionEvery
        self.collectionLadder = collectionLadder
        self.duplicateEvery = duplicateEvery
        self.poisonMessages = poisonMessages
        self.seed = seed
    }

    /// A fresh seed for a run nobody asked to repeat (printed in the report, so that it can be).
    public static func randomSeed() -> UInt64 { UInt64.random(in: 1...UInt64(Int64.max)) }

    /// The seed in the environment variable `name` when it is set (to repeat a run), else a fresh one.
    public static func seed(fromEnvironment name: String = "KVITT_FAULT_SEED") -> UInt64 {
        ProcessInfo.processInfo.environment[name].flatMap { UInt64($0) } ?? randomSeed()
    }

    /// Whether invoice number `index` (by position in the creation order) is a ROT/RUT invoice.
    func isTaxReduction(_ index: Int) -> Bool {
        taxReductionEvery > 0 && index % taxReductionEvery == 3 % taxReductionEvery
    }

    /// Which of the run's ROT/RUT invoices number `index` is (0, 1, 2, …).
    func taxReductionSerial(_ index: Int) -> Int { index / max(1, taxReductionEvery) }

    /// Whether the run needs the link proxy between the services and the broker.
    var needsProxy: Bool { linkCuts > 0 }
}

/// What a fault-injection run did and what the audit found at the end.
public struct FaultInjectionReport: Sendable, CustomStringConvertible {
    public var seed: UInt64 = 0
    public var commandsSent = 0
    public var paymentsSent = 0
    public var duplicatesSent = 0
    public var invoices = 0
    public var rounds = 0
    public var creditInvoices = 0
    public var appliedCredits = 0
    /// ROT/RUT invoices, and what became of their buyers' claims.
    public var taxReductionInvoices = 0
    public var claimFiles = 0
    public var claimsApprovedInFull = 0
    public var claimsPartlyApproved = 0
    public var claimsRefused = 0
    /// Invoices invoicing drafted to buyers for what Skatteverket refused.
    public var remainderInvoices = 0
    /// Invoices that got a reminder with its fee in the ladder phase.
    public var reminders = 0
    /// Messages the services consumed: their `kvitt_messages_consumed_total` at the end plus what each killed service
    /// had counted just before its kill (a lower bound: what it consumed between that read and the kill is missing).
    public var messagesConsumed = 0
    public var kills = 0
    /// The services killed after payments started flowing, in order.
    public var killedWhilePaying: [String] = []
    /// When payment-matching was killed among the payments: how many it had registered and how many had been sent.
    public var paymentMatchingKilledAt: [(registered: Int, sent: Int)] = []
    public var brokerRestarts = 0
    public var brokerKills = 0
    public var brokerFreezes = 0
    public var linkCuts = 0
    public var memoryAlarms = 0
    public var diskAlarms = 0
    public var databaseFulls = 0
    /// One line per nemesis: what it did and what showed that it struck.
    public var nemeses: [String] = []
    /// Nemeses that left no trace (no service noticed): a run with any is not evidence of anything.
    public var unnoticed: [String] = []
    public var poisonSent = 0
    public var deadLetters = 0
    /// Seconds from the first command until the books balanced (or the wait gave up).
    public var seconds = 0.0
    /// Every way in which the books did not balance, or a service did not come back; must be empty.
    public var violations: [String] = []

    public var description: String {
        let figures = [
            ("seed", "\(seed)"), ("rounds", "\(rounds)"), ("invoices", "\(invoices)"),
            ("credit invoices", "\(creditInvoices)"), ("credits applied", "\(appliedCredits)"),
            ("ROT/RUT invoices", "\(taxReductionInvoices)"), ("claim files", "\(claimFiles)"),
            (
                "claims decided (in full/partly/refused)",
                "\(claimsApprovedInFull)/\(claimsPartlyApproved)/\(claimsRefused)"
            ),
            ("remainder invoices to buyers", "\(remainderInvoices)"),
            ("reminders (time travel)", "\(reminders)"),
            ("commands sent", "\(commandsSent)"), ("payments sent", "\(paymentsSent)"),
            ("duplicates sent", "\(duplicatesSent)"), ("messages consumed by the services", "\(messagesConsumed)"),
            ("kills (kill -9)", "\(kills)"),
            ("killed while payments flowed", killedWhilePaying.joined(separator: ", ")),
            (
                "payment-matching killed at (registered/sent)",
                paymentMatchingKilledAt.map { "\($0.registered)/\($0.sent)" }.joined(separator: ", ")
            ),
            ("broker restarts (clean)", "\(brokerRestarts)"), ("broker kill -9", "\(brokerKills)"),
            ("broker freezes", "\(brokerFreezes)"), ("link cuts", "\(linkCuts)"),
            ("memory alarms", "\(memoryAlarms)"), ("disk alarms", "\(diskAlarms)"),
            ("database disk full", "\(databaseFulls)"),
            ("poison messages", "\(poisonSent)"), ("dead letters", "\(deadLetters)"),
            ("unnoticed nemeses", "\(unnoticed.count)"), ("invariant violations", "\(violations.count)"),
            ("seconds", String(format: "%.1f", seconds)),
        ]
        return figures.map { "\($0.0): \($0.1)" }.joined(separator: "\n")
            + nemeses.map { "\n  nemesis: \($0)" }.joined()
            + unnoticed.map { "\n  unnoticed: \($0)" }.joined()
            + violations.prefix(30).map { "\n  violation: \($0)" }.joined()
    }
}

/// A small seeded generator (SplitMix64), so that a run's choices repeat with the same seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
